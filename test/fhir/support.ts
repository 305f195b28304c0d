import type {
  CodeableConcept,
  Condition,
  FhirResource,
  Medication,
  MedicationRequest,
  MedicationStatement,
  Observation,
  Procedure,
  Quantity,
} from 'fhir/r4.js';
import { expect } from 'vitest';
import { r4Problems } from '../support/fhir-r4.js';
import { analyteReader } from '../../cds-services/b12/index.js';
import type { Analyte } from '../../cds-services/b12/index.js';
import type { AnalyteReader, LabResult, ObservationReading } from '../../src/fhir/observations.js';
import { LOINC, RXNORM, SNOMED, UCUM } from '../../src/fhir/systems.js';

/**
 * Fixtures for the src/fhir unit tests. Every factory builds a FHIR R4 resource and checks it
 * with the independent `fhir` validator before handing it out, so the readers are tested on the
 * shape real servers send. Tests that need deliberately non-conformant input (two `effective[x]`
 * values, an R5-only comparator...) take a validated resource and break it visibly at the call
 * site.
 */

export type Json = Record<string, unknown>;

export const PATIENT = { reference: 'Patient/p1' };

/** Fails the test unless `resource` is valid FHIR R4; returns it as plain JSON. */
export function validR4(resource: FhirResource): Json {
  const errors = r4Problems(resource);
  expect(errors, `${resource.resourceType} fixture is not valid FHIR R4`).toEqual([]);
  return JSON.parse(JSON.stringify(resource)) as Json;
}

/** Epoch milliseconds of a full ISO instant with `Z` (parsed the same in every time zone). */
export function utcMs(isoWithZ: string): number {
  if (!isoWithZ.endsWith('Z')) throw new Error(`instant must end in Z: ${isoWithZ}`);
  return Date.parse(isoWithZ);
}

export const loinc = (code: string, display?: string): CodeableConcept => ({
  coding: [{ system: LOINC, code, ...(display ? { display } : {}) }],
});

export const snomed = (code: string, display?: string): CodeableConcept => ({
  coding: [{ system: SNOMED, code, ...(display ? { display } : {}) }],
});

/** A quantity with a human-readable unit only (no UCUM code). */
export const quantity = (value: number, unit: string): Quantity => ({ value, unit });

/** A quantity whose UCUM `code` is given as well as its display `unit`. */
export const ucum = (value: number, code: string, unit = code): Quantity => ({
  value,
  unit,
  system: UCUM,
  code,
});

/**
 * The defaults with the overrides applied; an override of `undefined` removes the field, and
 * setting any variant of a choice element (`value[x]`, `effective[x]`...) drops the default one.
 */
function merge<T extends object>(defaults: T, overrides: Partial<T>, choices: string[]): T {
  const overridden = Object.keys(overrides);
  const replacedChoices = choices.filter((prefix) =>
    overridden.some((key) => key.startsWith(prefix)),
  );
  const kept = Object.entries(defaults).filter(
    ([key]) =>
      !overridden.includes(key) && !replacedChoices.some((prefix) => key.startsWith(prefix)),
  );
  const set = Object.entries(overrides).filter(([, value]) => value !== undefined);
  return Object.fromEntries([...kept, ...set]) as T;
}

/** A final total B12 (LOINC 2132-9) of 300 ng/L on 2026-11-14, with any fields replaced. */
export function observation(overrides: Partial<Observation> = {}): Json {
  const defaults: Observation = {
    resourceType: 'Observation',
    id: 'obs-1',
    status: 'final',
    code: loinc('2132-9', 'Cobalamin (Vitamin B12) [Mass/volume] in Serum or Plasma'),
    subject: PATIENT,
    effectiveDateTime: '2026-11-14',
    valueQuantity: quantity(300, 'ng/L'),
  };
  return validR4(merge(defaults, overrides, ['value', 'effective']));
}

/** A lab Observation of `code` with a value in `unit`: the shape most tests need. */
export function lab(
  code: string,
  value: number,
  unit: string,
  overrides: Partial<Observation> = {},
): Json {
  return observation({ code: loinc(code), valueQuantity: quantity(value, unit), ...overrides });
}

/** A typed, validated Medication, for `contained`: hydroxocobalamin by default. */
export function containedMedication(overrides: Partial<Medication> = {}): Medication {
  const defaults: Medication = {
    resourceType: 'Medication',
    id: 'm1',
    code: {
      coding: [
        { system: RXNORM, code: '317106', display: 'hydroxocobalamin 1 MG/ML Injectable Solution' },
      ],
      text: 'Hydroxocobalamin 1 mg/1 mL injection',
    },
  };
  const resource = merge(defaults, overrides, []);
  validR4(resource);
  return resource;
}

/** A Medication (for `medicationReference`), hydroxocobalamin by default. */
export function medication(overrides: Partial<Medication> = {}): Json {
  return validR4(containedMedication(overrides));
}

/** An active MedicationRequest for hydroxocobalamin authored 2026-01-10. */
export function medicationRequest(overrides: Partial<MedicationRequest> = {}): Json {
  const defaults: MedicationRequest = {
    resourceType: 'MedicationRequest',
    id: 'mr-1',
    status: 'active',
    intent: 'order',
    subject: PATIENT,
    medicationCodeableConcept: {
      coding: [{ system: RXNORM, code: '317106' }],
      text: 'Hydroxocobalamin 1 mg/1 mL injection',
    },
    authoredOn: '2026-01-10',
  };
  return validR4(merge(defaults, overrides, ['medication']));
}

/** An active MedicationStatement for oral cyanocobalamin from 2026-02-01. */
export function medicationStatement(overrides: Partial<MedicationStatement> = {}): Json {
  const defaults: MedicationStatement = {
    resourceType: 'MedicationStatement',
    id: 'ms-1',
    status: 'active',
    subject: PATIENT,
    medicationCodeableConcept: { text: 'Cyanocobalamin 1 mg tablets' },
    effectivePeriod: { start: '2026-02-01' },
  };
  return validR4(merge(defaults, overrides, ['medication', 'effective']));
}

/** A Condition (pernicious anaemia by default) with no status elements. */
export function condition(overrides: Partial<Condition> = {}): Json {
  const defaults: Condition = {
    resourceType: 'Condition',
    id: 'c1',
    subject: PATIENT,
    code: snomed('84027009', 'Pernicious anemia'),
  };
  return validR4(merge(defaults, overrides, ['onset']));
}

/** A completed Procedure (gastrectomy by default). */
export function procedure(overrides: Partial<Procedure> = {}): Json {
  const defaults: Procedure = {
    resourceType: 'Procedure',
    id: 'pr1',
    status: 'completed',
    subject: PATIENT,
    code: snomed('53442002', 'Gastrectomy'),
  };
  return validR4(merge(defaults, overrides, ['performed']));
}

/** The reader the B12 service uses: ANALYTES units and LOINC codes, no local codes. */
export const READER: AnalyteReader<Analyte> = analyteReader({ localCodes: [], recognisers: [] });

/** The result of a reading, failing the test with the reading if it is anything else. */
export function resultOf<A extends string>(reading: ObservationReading<A>): LabResult<A> {
  if (reading.kind !== 'result') {
    expect.fail(`expected a usable result, got ${JSON.stringify(reading)}`);
  }
  return reading.result;
}

/** The reason of an unusable reading, failing the test if it is anything else. */
export function unusableReason<A extends string>(reading: ObservationReading<A>): string {
  if (reading.kind !== 'unusable') {
    expect.fail(`expected an unusable reading, got ${JSON.stringify(reading)}`);
  }
  return reading.reason;
}
