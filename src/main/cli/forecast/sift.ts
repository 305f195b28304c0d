import { readFileSync } from 'node:fs';
import { isReadResource, subjectPatientId } from '../../../../cds-services/b12/index.js';
import type { ClinicalConfig } from '../../../../cds-services/b12/index.js';
import { localReferences, withLocalReferences } from '../../../cds-hooks/patient-bundle.js';
import { asObject, asString } from '../../../fhir/coding.js';
import { relativeReference } from '../../../fhir/medications.js';
import type { Shard } from '../args.js';
import { InputError } from '../errors.js';
import { lineNumberAt, linesIn, linesOf } from './file-ranges.js';
import type { ByteRange } from './file-ranges.js';
import { inShard } from './shard.js';

/**
 * Sifting, on a worker: each resource of a range of NDJSON lines (or of a Bundle file) parsed,
 * and kept only if a rule reads it, with the patient it is about. A resource of a type no rule
 * reads, an Observation of no test or finding the rules know (the knowledge layer's own check),
 * or a patient of another shard is dropped here, so only what the rules read reaches the main
 * thread, as JSON text: one string per resource is all the grouping holds.
 */

export interface Sifted {
  /** Patient resources: their ids and texts. */
  patients: { ids: string[]; texts: string[] };
  /** Other kept resources: the patient each is about, its text, and the Medication it names
   * (`Medication/<id>`, or '' for none). */
  kept: { patientIds: string[]; texts: string[]; medications: string[] };
  /** Medication resources: `Medication/<id>` and texts; kept for the patients who name them. */
  medications: { keys: string[]; texts: string[] };
  /** Resources of a type the rules read that name no patient, by type. */
  withoutPatient: Record<string, number>;
}

export interface SiftOptions {
  config: ClinicalConfig;
  shard: Shard | undefined;
}

const empty = (): Sifted => ({
  patients: { ids: [], texts: [] },
  kept: { patientIds: [], texts: [], medications: [] },
  medications: { keys: [], texts: [] },
  withoutPatient: {},
});

const MEDICATION_USES = new Set([
  'MedicationRequest',
  'MedicationStatement',
  'MedicationAdministration',
]);

/** The Medication resource a medicine record names, as `Medication/<id>` (contained ones: none). */
function medicationKey(resource: Record<string, unknown>): string {
  if (!MEDICATION_USES.has(String(resource.resourceType))) return '';
  const reference = asString(asObject(resource.medicationReference)?.reference);
  if (reference === undefined || reference.startsWith('#')) return '';
  const key = relativeReference(reference);
  return key.startsWith('Medication/') ? key : '';
}

/**
 * Adds a resource to `sifted` if the rules read it; `patientOf` says whose it is when it names no
 * patient the usual way (a Bundle's `urn:uuid` references, or its one Patient).
 */
function sift(
  resource: Record<string, unknown>,
  text: () => string,
  sifted: Sifted,
  { config, shard }: SiftOptions,
  patientOf: (resource: Record<string, unknown>) => string | undefined = subjectPatientId,
): void {
  if (!isReadResource(resource, config)) return;
  const type = resource.resourceType as string;
  if (type === 'Medication') {
    const id = asString(resource.id);
    if (id !== undefined) {
      sifted.medications.keys.push(`Medication/${id}`);
      sifted.medications.texts.push(text());
    }
    return;
  }
  const patientId = type === 'Patient' ? asString(resource.id) : patientOf(resource);
  if (patientId === undefined) {
    sifted.withoutPatient[type] = (sifted.withoutPatient[type] ?? 0) + 1;
    return;
  }
  if (!inShard(patientId, shard)) return;
  if (type === 'Patient') {
    sifted.patients.ids.push(patientId);
    sifted.patients.texts.push(text());
  } else {
    sifted.kept.patientIds.push(patientId);
    sifted.kept.texts.push(text());
    sifted.kept.medications.push(medicationKey(resource));
  }
}

/** The kept resources of a byte range of an NDJSON file (file-ranges.ts). */
export function siftRange(file: string, range: ByteRange, options: SiftOptions): Sifted {
  const sifted = empty();
  const { bytes, begin } = linesIn(file, range);
  for (const { line: raw, at } of linesOf(bytes)) {
    const line = raw.trim();
    if (line === '') continue;
    const where = (): string => `${file} line ${lineNumberAt(file, begin + at)}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new InputError(`${where()} is not valid JSON: ${(error as Error).message}`);
    }
    const resource = asObject(value);
    if (resource === undefined) throw new InputError(`${where()} is not a FHIR resource`);
    sift(resource, () => line, sifted, options);
  }
  return sifted;
}

/**
 * The kept resources of a Bundle file of patient data, read whole (a Bundle is one patient's, or
 * a few's): references to its own entries are read as `Type/id`, as `b12-cds evaluate` reads
 * them, and a resource naming no patient is the Bundle's Patient's when it has only one.
 */
export function siftBundle(file: string, options: SiftOptions): Sifted {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8').replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new InputError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  const bundle = asObject(value);
  if (bundle?.resourceType !== 'Bundle' || !Array.isArray(bundle.entry)) {
    throw new InputError(`${file} is not a FHIR Bundle of patient data`);
  }
  const local = localReferences(bundle.entry);
  const resources = withLocalReferences(bundle.entry, local) as unknown as Record<
    string,
    unknown
  >[];
  const patients = resources.filter((resource) => resource.resourceType === 'Patient');
  const only = patients.length === 1 ? asString(patients[0]?.id) : undefined;
  const patientOf = (resource: Record<string, unknown>): string | undefined => {
    const reference = asString(asObject(resource.subject ?? resource.patient)?.reference);
    const named = subjectPatientId({
      subject: { reference: reference === undefined ? undefined : local.get(reference) },
    });
    // As `b12-cds evaluate` takes a resource naming no patient it knows as the Bundle's patient's.
    return named ?? subjectPatientId(resource) ?? only;
  };
  const sifted = empty();
  for (const resource of resources) {
    sift(resource, () => JSON.stringify(resource), sifted, options, patientOf);
  }
  return sifted;
}
