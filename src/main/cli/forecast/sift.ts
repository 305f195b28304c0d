import { isReadResource, subjectPatientId } from '../../../../cds-services/b12/index.js';
import type { ClinicalConfig } from '../../../../cds-services/b12/index.js';
import { localReferences, withLocalReferences } from '../../../cds-hooks/patient-bundle.js';
import { asObject, asString } from '../../../fhir/coding.js';
import { MEDICATION_RESOURCES, relativeReference } from '../../../fhir/medications.js';
import type { Shard } from '../args.js';
import { InputError } from '../errors.js';
import { readJsonFile } from '../evaluate.js';
import { lineNumberAt, linesIn, linesOf } from './file-ranges.js';
import type { ByteRange } from './file-ranges.js';
import { inShard } from './shard.js';

/**
 * Sifting, on a worker: each resource of a range of NDJSON lines (or of a Bundle file) parsed,
 * and kept only if a rule reads it, with the patient it is about. A resource of a type no rule
 * reads, an Observation of no test or finding the rules know (the knowledge layer's own check),
 * or a patient of another shard is dropped here, so only what the rules read reaches the main
 * thread: as UTF-8 JSON in one buffer, handed over without a copy, which the grouping holds
 * outside the JavaScript heap (whose limit would otherwise bound a run's patients).
 */

/** What a segment of the kept bytes holds. */
export type SegmentKind = 'patient' | 'records' | 'medication';

export interface Sifted {
  /** The kept JSON (UTF-8), segment after segment, in a buffer of its own. */
  bytes: Uint8Array;
  /**
   * Each segment: a Patient resource; a patient's other kept resources, separated by commas;
   * or a Medication resource. `keys` gives whose (the patient's id) or which (the Medication's
   * `Medication/<id>`), `ends` where it ends in `bytes` (it starts where the one before ended).
   */
  segments: { kinds: SegmentKind[]; keys: string[]; ends: number[] };
  /** The Medications each patient's kept records name: `Medication/<id>`. */
  named: { patientIds: string[]; keys: string[] };
  /** Resources of a type the rules read that name no patient, by type. */
  withoutPatient: Record<string, number>;
}

export interface SiftOptions {
  config: ClinicalConfig;
  shard: Shard | undefined;
}

/** What a worker keeps of a range or Bundle, by patient, until it is packed for the main thread. */
class Keeping {
  private readonly byPatient = new Map<string, { patient?: string; records: string[] }>();
  private readonly medications: [string, string][] = [];
  private readonly named: Sifted['named'] = { patientIds: [], keys: [] };
  readonly withoutPatient: Record<string, number> = {};

  private of(patientId: string): { patient?: string; records: string[] } {
    let kept = this.byPatient.get(patientId);
    if (kept === undefined) this.byPatient.set(patientId, (kept = { records: [] }));
    return kept;
  }

  patient(id: string, text: string): void {
    this.of(id).patient ??= text;
  }

  record(patientId: string, text: string, medication: string): void {
    this.of(patientId).records.push(text);
    if (medication !== '') {
      this.named.patientIds.push(patientId);
      this.named.keys.push(medication);
    }
  }

  medication(key: string, text: string): void {
    this.medications.push([key, text]);
  }

  unassigned(type: string): void {
    this.withoutPatient[type] = (this.withoutPatient[type] ?? 0) + 1;
  }

  /** One buffer for all, a segment per Patient, per patient's records and per Medication. */
  pack(): Sifted {
    const segments: [SegmentKind, string, string][] = [];
    for (const [id, { patient, records }] of this.byPatient) {
      if (patient !== undefined) segments.push(['patient', id, patient]);
      if (records.length > 0) segments.push(['records', id, records.join(',')]);
    }
    for (const [key, text] of this.medications) segments.push(['medication', key, text]);
    const lengths = segments.map(([, , text]) => Buffer.byteLength(text));
    // Not from Node's shared pool: the buffer is handed over (transferred) whole.
    const bytes = Buffer.allocUnsafeSlow(lengths.reduce((sum, length) => sum + length, 0));
    const packed: Sifted = {
      bytes,
      segments: { kinds: [], keys: [], ends: [] },
      named: this.named,
      withoutPatient: this.withoutPatient,
    };
    let end = 0;
    segments.forEach(([kind, key, text], index) => {
      end += bytes.write(text, end, lengths[index] ?? 0);
      packed.segments.kinds.push(kind);
      packed.segments.keys.push(key);
      packed.segments.ends.push(end);
    });
    return packed;
  }
}

/** The Medication resource a medicine record names, as `Medication/<id>` (contained ones: none). */
function medicationKey(resource: Record<string, unknown>): string {
  if (!MEDICATION_RESOURCES.has(resource.resourceType)) return '';
  const reference = asString(asObject(resource.medicationReference)?.reference);
  if (reference === undefined || reference.startsWith('#')) return '';
  const key = relativeReference(reference);
  return key.startsWith('Medication/') ? key : '';
}

/**
 * Keeps a resource if the rules read it; `patientOf` says whose it is when it names no patient
 * the usual way (a Bundle's `urn:uuid` references, or its one Patient).
 */
function sift(
  resource: Record<string, unknown>,
  text: () => string,
  keeping: Keeping,
  { config, shard }: SiftOptions,
  patientOf: (resource: Record<string, unknown>) => string | undefined = subjectPatientId,
): void {
  if (!isReadResource(resource, config)) return;
  const type = resource.resourceType as string;
  if (type === 'Medication') {
    const id = asString(resource.id);
    if (id !== undefined) keeping.medication(`Medication/${id}`, text());
    return;
  }
  const patientId = type === 'Patient' ? asString(resource.id) : patientOf(resource);
  if (patientId === undefined) {
    keeping.unassigned(type);
  } else if (inShard(patientId, shard)) {
    if (type === 'Patient') keeping.patient(patientId, text());
    else keeping.record(patientId, text(), medicationKey(resource));
  }
}

/** The kept resources of a byte range of an NDJSON file (file-ranges.ts). */
export function siftRange(file: string, range: ByteRange, options: SiftOptions): Sifted {
  const keeping = new Keeping();
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
    sift(resource, () => line, keeping, options);
  }
  return keeping.pack();
}

/**
 * The kept resources of a Bundle file of patient data, read whole (a Bundle is one patient's, or
 * a few's): references to its own entries are read as `Type/id`, as `b12-cds evaluate` reads
 * them, and a resource naming no patient is the Bundle's Patient's when it has only one.
 */
export function siftBundle(file: string, options: SiftOptions): Sifted {
  const bundle = asObject(readJsonFile(file));
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
  const keeping = new Keeping();
  for (const resource of resources) {
    sift(resource, () => JSON.stringify(resource), keeping, options, patientOf);
  }
  return keeping.pack();
}
