import { z } from 'zod';
import type { FhirResource } from 'fhir/r4.js';
import { isObject } from '../fhir/coding.js';
import { fhirResourceProblems, fhirResourceSchema } from '../fhir/client/fhir-resource.js';
import type { StructureProblem } from '../fhir/client/fhir-resource.js';
import type { HookName } from './hooks.js';
import { FHIR_ID, RELATIVE_REFERENCE } from './references.js';
import { invalidRequest, zodProblems } from './validation.js';

/**
 * Request bodies of `POST {baseUrl}/cds-services/{id}`, per CDS Hooks 2.0 §HTTP Request and the
 * CDS Hooks Library 1.0.1 hook contexts. Objects are loose: unknown fields (extensions, client
 * extras) are tolerated and passed through, as real clients send them.
 * See {@link https://cds-hooks.hl7.org/2.0/#http-request | HTTP Request}.
 */

/**
 * A UUID in its 8-4-4-4-12 hex form, any version (the Sandbox sends v4, fixture generators v5):
 * what CDS Hooks 2.0 requires of `hookInstance`.
 */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** FHIR `id` datatype; context ids are substituted into FHIR URLs, so nothing else may pass. */
const fhirId = z.string().regex(FHIR_ID, 'expected a FHIR id');
const reference = z
  .string()
  .regex(RELATIVE_REFERENCE, 'expected a reference such as Practitioner/123');

/** `draftOrders`: a Bundle, though real clients omit its `type`. */
const draftOrders = z.looseObject({
  resourceType: z.literal('Bundle'),
  entry: z.array(z.looseObject({ resource: fhirResourceSchema.optional() })).optional(),
});

const patientContext = {
  userId: reference,
  patientId: fhirId,
  encounterId: fhirId.optional(),
};

const contexts = {
  'patient-view': z.looseObject(patientContext),
  'order-select': z.looseObject({
    ...patientContext,
    // REQUIRED by the hook; tolerated when absent (RULES.md 6: then every draft is focused).
    selections: z.array(reference).optional(),
    draftOrders,
  }),
  'order-sign': z.looseObject({ ...patientContext, draftOrders }),
} as const;

const fhirAuthorization = z.looseObject({
  // Real clients send an empty token when they have none (CRD request generator); it is then not sent on.
  access_token: z.string(),
  token_type: z.string().regex(/^bearer$/i, 'expected Bearer'),
  expires_in: z.number().optional(),
  scope: z.string().optional(),
  subject: z.string().optional(),
  patient: z.string().optional(),
});

/** The request fields around the hook-specific `context`. */
const envelope = {
  hook: z.string().min(1),
  // CDS Hooks 2.0: a UUID. Anything else (an MRN, free text) is refused, never logged or stored.
  hookInstance: z.string().regex(UUID, 'expected a UUID'),
  fhirServer: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }).optional(),
  fhirAuthorization: fhirAuthorization.optional(),
  // Checked by prefetchProblems, outside zod, and passed on as received.
  prefetch: z.custom<Readonly<Record<string, FhirResource | null>>>().optional(),
};

/** cds-r-1: `fhirServer` is REQUIRED when `fhirAuthorization` is present. */
const hasFhirServerIfAuthorized = (request: {
  fhirServer?: string;
  fhirAuthorization?: unknown;
}): boolean => request.fhirAuthorization === undefined || request.fhirServer !== undefined;
const fhirServerRequired = {
  message: 'fhirServer is required when fhirAuthorization is present',
  path: ['fhirServer'],
};

/** The envelope and context per hook; callers use {@link parseHookRequest}, which adds the prefetch. */
const hookRequestSchemas = {
  'patient-view': z
    .looseObject({ ...envelope, context: contexts['patient-view'] })
    .refine(hasFhirServerIfAuthorized, fhirServerRequired),
  'order-select': z
    .looseObject({ ...envelope, context: contexts['order-select'] })
    .refine(hasFhirServerIfAuthorized, fhirServerRequired),
  'order-sign': z
    .looseObject({ ...envelope, context: contexts['order-sign'] })
    .refine(hasFhirServerIfAuthorized, fhirServerRequired),
};

export type HookRequest<H extends HookName = HookName> = z.infer<(typeof hookRequestSchemas)[H]>;

/** `prefetch`: an object whose values are FHIR resources or `null` (no data). */
function prefetchProblems(body: unknown): StructureProblem[] {
  const prefetch = isObject(body) ? body.prefetch : undefined;
  if (prefetch === undefined) return [];
  if (!isObject(prefetch)) {
    return [{ path: ['prefetch'], message: 'expected an object', missing: false }];
  }
  const problems: StructureProblem[] = [];
  for (const key in prefetch) {
    if (!Object.hasOwn(prefetch, key) || prefetch[key] === null) continue;
    problems.push(...fhirResourceProblems(prefetch[key], ['prefetch', key]));
  }
  return problems;
}

/**
 * The request body validated as a call of `hook`, or a 400 listing every problem. The prefetch
 * is checked without zod: run through zod's record of resources, 300-result bodies outlived the
 * young generation's collections, and the garbage collector's share of the CPU went from 3% to
 * 15% (issue 17).
 */
export function parseHookRequest<H extends HookName>(hook: H, body: unknown): HookRequest<H> {
  const result = hookRequestSchemas[hook].safeParse(body, { reportInput: true });
  const problems = [
    ...(result.success ? [] : zodProblems(result.error)),
    ...prefetchProblems(body),
  ];
  if (!result.success || problems.length > 0) throw invalidRequest(problems);
  return result.data as HookRequest<H>;
}
