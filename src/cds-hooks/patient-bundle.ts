import type { Bundle, FhirResource } from 'fhir/r4.js';
import { isObject } from '../fhir/coding.js';
import { RequestInputError, asHookRequest } from './request-body.js';
import type { HookRequestBody } from './request-body.js';

/**
 * A FHIR Bundle of one patient's data (a Synthea export, say) made a patient-view request whose
 * prefetch holds that data, so a service can be tried on it without a FHIR server.
 */

/** The resource types each prefetch key brings; a key of Patient alone holds the Patient itself. */
export type PrefetchResourceTypes = Readonly<Record<string, readonly string[]>>;

const searchset = (resources: FhirResource[]): Bundle => ({
  resourceType: 'Bundle',
  type: 'searchset',
  total: resources.length,
  entry: resources.map((resource) => ({ resource })),
});

/** Each entry's `fullUrl` (`urn:uuid:…` in a transaction Bundle) and the `Type/id` it stands for. */
export function localReferences(entries: readonly unknown[]): Map<string, string> {
  const local = new Map<string, string>();
  for (const entry of entries) {
    if (!isObject(entry) || !isObject(entry.resource) || typeof entry.fullUrl !== 'string')
      continue;
    const { resourceType, id } = entry.resource;
    if (typeof resourceType === 'string' && typeof id === 'string') {
      local.set(entry.fullUrl, `${resourceType}/${id}`);
    }
  }
  return local;
}

/**
 * The Bundle's resources, with references to another entry's `fullUrl` rewritten to `Type/id`
 * ({@link localReferences}), the form prefetch data carry once the Bundle is taken apart: a
 * medication named by `urn:uuid` is still found.
 */
export function withLocalReferences(
  entries: readonly unknown[],
  local: ReadonlyMap<string, string> = localReferences(entries),
): FhirResource[] {
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

/** The prefetch keys filled from a patient's resources, each with the types its search brings. */
function prefetchFrom(
  patient: FhirResource,
  resources: readonly FhirResource[],
  keys: PrefetchResourceTypes,
): Record<string, unknown> {
  const prefetch: Record<string, unknown> = {};
  for (const [key, types] of Object.entries(keys)) {
    prefetch[key] =
      types.length === 1 && types[0] === 'Patient'
        ? patient
        : searchset(resources.filter((resource) => types.includes(resource.resourceType)));
  }
  return prefetch;
}

/** A patient-view request: the Patient gives `context.patientId`, the resources fill `keys`. */
export function requestFromBundle(value: unknown, keys: PrefetchResourceTypes): HookRequestBody {
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
    prefetch: prefetchFrom(patient, resources, keys),
  };
}

/** A hook request, or a patient Bundle made into one. */
export function requestFromJson(value: unknown, keys: PrefetchResourceTypes): HookRequestBody {
  return isObject(value) && value.resourceType === 'Bundle'
    ? requestFromBundle(value, keys)
    : asHookRequest(value);
}
