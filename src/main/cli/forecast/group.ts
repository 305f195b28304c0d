import type { Sifted } from './sift.js';

/**
 * Each patient's kept resources, held until every file is read. A Bulk export is split by
 * resource type, not by patient: a patient's data are complete only once the last file is read,
 * so nothing can be evaluated before. What is held is what the sifting kept, as UTF-8 JSON in the
 * buffers the workers handed over (outside the JavaScript heap): the resources the rules read,
 * never the export's other types, nor the Observations, Conditions and Procedures no rule reads.
 * `--shard` divides it for a population too large for one machine.
 */

interface Group {
  /** The Patient resource; the first one wins should an export repeat it. */
  patient: Buffer | undefined;
  /** The other resources, in runs separated by commas. */
  records: Buffer[];
  /** The Medications the patient's records name, to add once they are read. */
  medications: string[];
}

export interface PatientData {
  id: string;
  /** A JSON array of the patient's resources (UTF-8), the Patient first, in a buffer of its own. */
  resources: Uint8Array;
}

const COMMA = Buffer.from(',');

/** `[a,b,…]` of JSON texts, in a buffer of its own (it is handed over whole to a worker). */
function jsonArray(parts: readonly Buffer[]): Uint8Array {
  const length = parts.reduce((sum, part) => sum + part.length, 0) + parts.length + 1;
  const array = Buffer.allocUnsafeSlow(length);
  let at = array.write('[');
  parts.forEach((part, index) => {
    if (index > 0) at += COMMA.copy(array, at);
    at += part.copy(array, at);
  });
  array.write(']', at);
  return array;
}

export class PatientGroups {
  private readonly groups = new Map<string, Group>();
  /** Every Medication some kept record names. */
  private readonly named = new Set<string>();
  private readonly medications = new Map<string, Buffer>();
  /** Resources naming no patient, by type. */
  readonly withoutPatient: Record<string, number> = {};
  /** Patients some resources name but no Patient resource gives (found by {@link take}). */
  withoutPatientResource = 0;
  /** The patients with a Patient resource so far. */
  patients = 0;

  private group(id: string): Group {
    let group = this.groups.get(id);
    if (group === undefined) {
      group = { patient: undefined, records: [], medications: [] };
      this.groups.set(id, group);
    }
    return group;
  }

  /**
   * Adds a sifted range or Bundle. Medications are kept only if a record read before names them,
   * when `namedOnly` (the export's Medication files, read after every other file); a Bundle's
   * own are kept whatever the order.
   */
  add(sifted: Sifted, namedOnly: boolean): void {
    const { named, segments } = sifted;
    for (let index = 0; index < named.patientIds.length; index++) {
      const key = named.keys[index] ?? '';
      this.group(named.patientIds[index] ?? '').medications.push(key);
      this.named.add(key);
    }
    const bytes = Buffer.from(sifted.bytes.buffer, sifted.bytes.byteOffset, sifted.bytes.length);
    let start = 0;
    for (let index = 0; index < segments.kinds.length; index++) {
      const end = segments.ends[index] ?? start;
      const segment = bytes.subarray(start, end);
      const key = segments.keys[index] ?? '';
      start = end;
      switch (segments.kinds[index]) {
        case 'patient': {
          const group = this.group(key);
          if (group.patient === undefined) {
            group.patient = segment;
            this.patients++;
          }
          break;
        }
        case 'records':
          this.group(key).records.push(segment);
          break;
        case 'medication':
          if (!namedOnly || this.named.has(key)) this.medications.set(key, segment);
          break;
        case undefined:
          break;
      }
    }
    for (const [type, count] of Object.entries(sifted.withoutPatient)) {
      this.withoutPatient[type] = (this.withoutPatient[type] ?? 0) + count;
    }
  }

  /** Each patient's data, once, let go of as it is taken. */
  *take(): Generator<PatientData> {
    for (const [id, group] of this.groups) {
      this.groups.delete(id);
      if (group.patient === undefined) {
        this.withoutPatientResource++;
        continue;
      }
      const medications = [...new Set(group.medications)].flatMap(
        (key) => this.medications.get(key) ?? [],
      );
      yield { id, resources: jsonArray([group.patient, ...group.records, ...medications]) };
    }
  }
}
