import type { Bundle, FhirResource, MedicationRequest } from 'fhir/r4.js';
import { PREFETCH_RESOURCE_TYPES } from '../cds-services/b12/prefetch-keys.js';
import { isObject } from '../src/fhir/coding.js';

/**
 * Hook requests for trying the service: the demo page and the CLI build them from a fixture's
 * hook request (or a patient's FHIR Bundle) for the hook and draft order the user picks. No Node
 * or browser APIs beyond `crypto.randomUUID`, so the same module runs in both.
 */

export const HOOKS = ['patient-view', 'order-select', 'order-sign'] as const;
export type DemoHook = (typeof HOOKS)[number];

const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
const ATC = 'http://www.whocc.no/atc';
const SNOMED = 'http://snomed.info/sct';
const UCUM = 'http://unitsofmeasure.org';

interface DraftDefinition {
  label: string;
  medication: MedicationRequest['medicationCodeableConcept'];
  /** Dose in mg, route, and how often. */
  doseMg: number;
  route: 'oral' | 'intramuscular';
  timing: {
    frequency: number;
    period: number;
    periodUnit: 'd' | 'wk' | 'mo';
    boundsDuration?: { value: number; unit: string; system: string; code: string };
  };
  text: string;
}

const ROUTES = {
  oral: { system: SNOMED, code: '26643006', display: 'Oral route' },
  intramuscular: { system: SNOMED, code: '78421000', display: 'Intramuscular route' },
} as const;

/** Draft medication orders a clinician might be about to sign (RxNorm and ATC coded). */
export const DRAFTS = {
  'folic-acid-5mg': {
    label: 'Folic acid 5 mg tablets, once daily',
    medication: {
      coding: [
        { system: RXNORM, code: '4511', display: 'folic acid' },
        { system: ATC, code: 'B03BB01', display: 'folic acid' },
      ],
      text: 'Folic acid 5 mg tablets',
    },
    doseMg: 5,
    route: 'oral',
    timing: { frequency: 1, period: 1, periodUnit: 'd' },
    text: '5 mg orally once daily',
  },
  'hydroxocobalamin-1mg-im': {
    label: 'Hydroxocobalamin 1 mg IM, three times a week for 2 weeks',
    medication: {
      coding: [
        {
          system: RXNORM,
          code: '317106',
          display: 'hydroxocobalamin 1 MG/ML Injectable Solution',
        },
        { system: ATC, code: 'B03BA03', display: 'hydroxocobalamin' },
      ],
      text: 'Hydroxocobalamin 1 mg/1 mL solution for injection ampoules',
    },
    doseMg: 1,
    route: 'intramuscular',
    timing: {
      frequency: 3,
      period: 1,
      periodUnit: 'wk',
      boundsDuration: { value: 2, unit: 'weeks', system: UCUM, code: 'wk' },
    },
    text: '1 mg IM three times a week for 2 weeks',
  },
  'cyanocobalamin-1mg-im': {
    label: 'Cyanocobalamin 1000 micrograms IM, monthly',
    medication: {
      coding: [
        { system: RXNORM, code: '309594', display: 'cyanocobalamin 1 MG/ML Injectable Solution' },
        { system: ATC, code: 'B03BA01', display: 'cyanocobalamin' },
      ],
      text: 'Cyanocobalamin 1000 micrograms/1 mL solution for injection',
    },
    doseMg: 1,
    route: 'intramuscular',
    timing: { frequency: 1, period: 1, periodUnit: 'mo' },
    text: '1000 micrograms IM once a month',
  },
} as const satisfies Record<string, DraftDefinition>;

export type DraftKey = keyof typeof DRAFTS;
export const DRAFT_KEYS = Object.keys(DRAFTS) as DraftKey[];

export const isDraftKey = (value: string): value is DraftKey => Object.hasOwn(DRAFTS, value);
export const isHook = (value: string): value is DemoHook =>
  (HOOKS as readonly string[]).includes(value);

/** A draft MedicationRequest for `patientId`, as an EHR sends it in `context.draftOrders`. */
export function draftOrder(key: DraftKey, patientId: string, today: string): MedicationRequest {
  const draft: DraftDefinition = DRAFTS[key];
  return {
    resourceType: 'MedicationRequest',
    id: `draft-${key}`,
    status: 'draft',
    intent: 'order',
    medicationCodeableConcept: draft.medication,
    subject: { reference: `Patient/${patientId}` },
    authoredOn: today,
    dosageInstruction: [
      {
        sequence: 1,
        text: draft.text,
        timing: { repeat: draft.timing },
        route: { coding: [ROUTES[draft.route]] },
        doseAndRate: [
          { doseQuantity: { value: draft.doseMg, unit: 'mg', system: UCUM, code: 'mg' } },
        ],
      },
    ],
  };
}

/** A hook request body, as the service receives it. */
export interface HookRequestBody {
  hook: string;
  hookInstance: string;
  context: Record<string, unknown> & { patientId: string };
  prefetch?: Record<string, unknown>;
  fhirServer?: string;
  fhirAuthorization?: unknown;
  [field: string]: unknown;
}

export class RequestInputError extends Error {
  override name = 'RequestInputError';
}

/** Checks the parts of a hook request this module reads; the service validates the rest. */
export function asHookRequest(value: unknown): HookRequestBody {
  if (!isObject(value)) throw new RequestInputError('expected a JSON object');
  const context = value.context;
  if (!isObject(context) || typeof context.patientId !== 'string' || context.patientId === '') {
    throw new RequestInputError('expected a hook request with context.patientId');
  }
  if (typeof value.hook !== 'string' || typeof value.hookInstance !== 'string') {
    throw new RequestInputError('expected a hook request with hook and hookInstance');
  }
  return value as HookRequestBody;
}

export interface RetargetOptions {
  hook: DemoHook;
  /** The draft order for an order hook; without one, the request's own draft orders are kept. */
  draft?: DraftKey | undefined;
  /** The date written on the draft order (YYYY-MM-DD). */
  today: string;
}

/**
 * The same patient and prefetch sent to another hook, with a fresh `hookInstance` (it is another
 * call). An order hook gets the chosen draft in `draftOrders` (selected, on order-select), or
 * keeps the request's own draft orders and selections.
 */
export function retarget(source: HookRequestBody, options: RetargetOptions): HookRequestBody {
  const context = { ...source.context };
  delete context.draftOrders;
  delete context.selections;
  const request: HookRequestBody = {
    ...source,
    hook: options.hook,
    hookInstance: crypto.randomUUID(),
    context,
  };
  if (options.hook === 'patient-view') return request;
  if (options.draft === undefined) {
    if (source.context.draftOrders === undefined) {
      throw new RequestInputError(
        `${options.hook} needs a draft order: the request has none, so choose one of ${DRAFT_KEYS.join(', ')}`,
      );
    }
    context.draftOrders = source.context.draftOrders;
    // Without selections every draft counts as selected (RULES.md 6).
    if (options.hook === 'order-select' && source.context.selections !== undefined) {
      context.selections = source.context.selections;
    }
    return request;
  }
  const draft = draftOrder(options.draft, source.context.patientId, options.today);
  context.draftOrders = {
    resourceType: 'Bundle',
    type: 'collection',
    entry: [{ resource: draft }],
  } satisfies Bundle;
  if (options.hook === 'order-select') context.selections = [`MedicationRequest/${draft.id ?? ''}`];
  return request;
}

const searchset = (resources: FhirResource[]): Bundle => ({
  resourceType: 'Bundle',
  type: 'searchset',
  total: resources.length,
  entry: resources.map((resource) => ({ resource })),
});

/**
 * The Bundle's resources, with references to another entry's `fullUrl` (`urn:uuid:…` in a
 * transaction Bundle) rewritten to `Type/id`, the form prefetch data carry once the Bundle is
 * taken apart: a medication named by `urn:uuid` is still found.
 */
function withLocalReferences(entries: readonly unknown[]): FhirResource[] {
  const local = new Map<string, string>();
  for (const entry of entries) {
    if (!isObject(entry) || !isObject(entry.resource) || typeof entry.fullUrl !== 'string')
      continue;
    const { resourceType, id } = entry.resource;
    if (typeof resourceType === 'string' && typeof id === 'string') {
      local.set(entry.fullUrl, `${resourceType}/${id}`);
    }
  }
  return entries.flatMap((entry: unknown) => {
    if (!isObject(entry) || !isObject(entry.resource)) return [];
    const resource = entry.resource;
    const reference = isObject(resource.medicationReference)
      ? resource.medicationReference.reference
      : undefined;
    const target = typeof reference === 'string' ? local.get(reference) : undefined;
    return [
      (target === undefined
        ? resource
        : {
            ...resource,
            medicationReference: { ...(resource.medicationReference as object), reference: target },
          }) as unknown as FhirResource,
    ];
  });
}

/**
 * A patient-view request from a FHIR Bundle of one patient's data (a Synthea export, say): the
 * Patient gives `context.patientId`, and the resources fill the B12 prefetch keys by type.
 */
export function requestFromBundle(value: unknown): HookRequestBody {
  if (!isObject(value) || value.resourceType !== 'Bundle' || !Array.isArray(value.entry)) {
    throw new RequestInputError('expected a hook request or a FHIR Bundle of a patient’s data');
  }
  const resources = withLocalReferences(value.entry);
  const patients = resources.filter((resource) => resource.resourceType === 'Patient');
  const patient = patients[0];
  if (patients.length !== 1) {
    throw new RequestInputError(
      `expected exactly one Patient in the Bundle, found ${patients.length}`,
    );
  }
  if (patient?.id === undefined) throw new RequestInputError('the Bundle’s Patient has no id');
  return {
    hook: 'patient-view',
    hookInstance: crypto.randomUUID(),
    context: { userId: 'Practitioner/example', patientId: patient.id },
    prefetch: prefetchFrom(patient, resources),
  };
}

/** The B12 prefetch keys filled from a patient's resources, each with the types its search brings. */
function prefetchFrom(
  patient: FhirResource,
  resources: readonly FhirResource[],
): Record<string, unknown> {
  const prefetch: Record<string, unknown> = {};
  for (const [key, types] of Object.entries(PREFETCH_RESOURCE_TYPES)) {
    prefetch[key] =
      key === 'patient'
        ? patient
        : searchset(
            resources.filter((resource) => types.some((type) => type === resource.resourceType)),
          );
  }
  return prefetch;
}

/** A hook request, or a patient Bundle made into one. */
export function requestFromJson(value: unknown): HookRequestBody {
  return isObject(value) && value.resourceType === 'Bundle'
    ? requestFromBundle(value)
    : asHookRequest(value);
}
