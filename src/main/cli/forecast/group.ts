import type { Sifted } from './sift.js';

/**
 * Each patient's kept resources, held until every file is read. A Bulk export is split by
 * resource type, not by patient: a patient's data are complete only once the last file is read,
 * so nothing can be evaluated before. What is held is what the sifting kept, as JSON text (about
 * its size in bytes): the resources the rules read, never the export's other types, nor the
 * Observations, Conditions and Procedures no rule reads. `--shard` divides it for a population too large for one machine.
 */

interface Group {
  /** The Patient resource; the first one wins should an export repeat it. */
  patient: string | undefined;
  resources: string[];
  /** The Medications the patient's records name, to add once they are read. */
  medications: string[];
}

export interface PatientData {
  id: string;
  /** A JSON array of the patient's resources, the Patient first. */
  resources: string;
}

export class PatientGroups {
  private readonly groups = new Map<string, Group>();
  /** Every Medication some kept record names. */
  private readonly named = new Set<string>();
  private readonly medications = new Map<string, string>();
  /** Resources naming no patient, by type. */
  readonly withoutPatient: Record<string, number> = {};
  /** Patients some resources name but no Patient resource gives (found by {@link take}). */
  withoutPatientResource = 0;
  /** The patients with a Patient resource so far. */
  patients = 0;

  private group(id: string): Group {
    let group = this.groups.get(id);
    if (group === undefined) {
      group = { patient: undefined, resources: [], medications: [] };
      this.groups.set(id, group);
    }
    return group;
  }

  /**
   * Adds a sifted batch. Medications are kept only if a record read before names them, when
   * `namedOnly` (the export's Medication files, read after every other file); a Bundle's own
   * are kept whatever the order.
   */
  add(sifted: Sifted, namedOnly: boolean): void {
    const { patients, kept, medications } = sifted;
    for (let index = 0; index < patients.ids.length; index++) {
      const group = this.group(patients.ids[index] ?? '');
      if (group.patient === undefined) {
        group.patient = patients.texts[index];
        this.patients++;
      }
    }
    for (let index = 0; index < kept.patientIds.length; index++) {
      const group = this.group(kept.patientIds[index] ?? '');
      group.resources.push(kept.texts[index] ?? '');
      const medication = kept.medications[index] ?? '';
      if (medication !== '') {
        group.medications.push(medication);
        this.named.add(medication);
      }
    }
    for (let index = 0; index < medications.keys.length; index++) {
      const key = medications.keys[index] ?? '';
      if (!namedOnly || this.named.has(key))
        this.medications.set(key, medications.texts[index] ?? '');
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
      yield { id, resources: `[${[group.patient, ...group.resources, ...medications].join(',')}]` };
    }
  }
}
