import type {
  Condition,
  FhirResource,
  Medication,
  MedicationRequest,
  MedicationStatement,
  Observation,
  Procedure,
} from 'fhir/r4.js';
import { expect } from 'vitest';
import * as build from '../support/fhir.js';
import { TODAY_DAY, concept, epochDayOf, rx, sct, textOnly } from '../support/fhir.js';
import { r4Problems } from '../support/fhir-r4.js';
import { analyteReader } from '../../cds-services/b12/index.js';
import type { Analyte } from '../../cds-services/b12/index.js';
import type { AnalyteReader, LabResult, ObservationReading } from '../../src/fhir/observations.js';

/**
 * Fixtures for the src/fhir unit tests: one default resource of each type, built with the test
 * builder (../support/fhir.ts) and with any fields replaced, then checked with the independent
 * `fhir` validator before being handed out, so the readers are tested on the shape real servers
 * send. Tests that need deliberately non-conformant input (two `effective[x]` values, an R5-only
 * comparator...) take a validated resource and break it visibly at the call site.
 */

export type Json = Record<string, unknown>;

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

/** Days before the builder's TODAY (2026-11-21) of a fixed `YYYY-MM-DD`. */
const daysAgo = (isoDay: string): number => TODAY_DAY - epochDayOf(isoDay);

/**
 * A built resource with the overrides applied: an override of `undefined` removes the field, and
 * setting any variant of a choice element (`value[x]`, `effective[x]`...) drops the built one.
 */
function overridden<T extends object>(built: T, overrides: Partial<T>, choices: string[]): T {
  const replaced = choices.filter((prefix) =>
    Object.keys(overrides).some((key) => key.startsWith(prefix)),
  );
  const kept = Object.entries(built).filter(
    ([key]) => !replaced.some((prefix) => key.startsWith(prefix)),
  );
  return JSON.parse(JSON.stringify({ ...Object.fromEntries(kept), ...overrides })) as T;
}

const OBSERVATION_CHOICES = ['value', 'effective'];

/**
 * The builder's lab result as these tests take it: id `obs-1`, on 2026-11-14, with a quantity in
 * a human-readable unit only (no UCUM code: the readers' unit-text path) and no category (the
 * readers never look at it; the builder's `laboratory` category is removed).
 */
const labResult = (code: string, value: number, unit: string, display?: string): Observation =>
  build.lab(
    code,
    value,
    unit,
    { id: 'obs-1', display, daysAgo: daysAgo('2026-11-14'), code: null },
    { category: undefined },
  );

/** A final total B12 (LOINC 2132-9) of 300 ng/L on 2026-11-14, with any fields replaced. */
export function observation(overrides: Partial<Observation> = {}): Json {
  const b12 = labResult(
    '2132-9',
    300,
    'ng/L',
    'Cobalamin (Vitamin B12) [Mass/volume] in Serum or Plasma',
  );
  return validR4(overridden(b12, overrides, OBSERVATION_CHOICES));
}

/** A lab Observation of `code` with a value in `unit` (no UCUM code): the shape most tests need. */
export function lab(
  code: string,
  value: number,
  unit: string,
  overrides: Partial<Observation> = {},
): Json {
  return validR4(overridden(labResult(code, value, unit), overrides, OBSERVATION_CHOICES));
}

/** A typed, validated Medication, for `contained`: hydroxocobalamin by default. */
export function containedMedication(overrides: Partial<Medication> = {}): Medication {
  const hydroxo = build.medication(
    'm1',
    concept(
      [rx('317106', 'hydroxocobalamin 1 MG/ML Injectable Solution')],
      'Hydroxocobalamin 1 mg/1 mL injection',
    ),
  );
  const resource = overridden(hydroxo, overrides, []);
  validR4(resource);
  return resource;
}

/** A Medication (for `medicationReference`), hydroxocobalamin by default. */
export function medication(overrides: Partial<Medication> = {}): Json {
  return validR4(containedMedication(overrides));
}

/** An active MedicationRequest for hydroxocobalamin authored 2026-01-10. */
export function medicationRequest(overrides: Partial<MedicationRequest> = {}): Json {
  const hydroxo = build.medicationRequest(
    concept([rx('317106')], 'Hydroxocobalamin 1 mg/1 mL injection'),
    { id: 'mr-1', startedDaysAgo: daysAgo('2026-01-10') },
  );
  return validR4(overridden(hydroxo, overrides, ['medication']));
}

/** An active MedicationStatement for oral cyanocobalamin from 2026-02-01. */
export function medicationStatement(overrides: Partial<MedicationStatement> = {}): Json {
  const cyano = build.medicationStatement(textOnly('Cyanocobalamin 1 mg tablets'), {
    id: 'ms-1',
    startedDaysAgo: daysAgo('2026-02-01'),
  });
  return validR4(overridden(cyano, overrides, ['medication', 'effective']));
}

/**
 * A Condition (pernicious anaemia by default) with no status elements and no dates: the readers'
 * defaults for an absent clinicalStatus and verificationStatus are tested on it, so the builder's
 * `active`/`confirmed` are turned off.
 */
export function condition(overrides: Partial<Condition> = {}): Json {
  const pa = build.condition(concept([sct('84027009', 'Pernicious anemia')]), {
    id: 'c1',
    clinical: null,
    verification: null,
  });
  return validR4(overridden(pa, overrides, ['onset']));
}

/** A completed Procedure (gastrectomy by default), performed on the builder's default day. */
export function procedure(overrides: Partial<Procedure> = {}): Json {
  const gastrectomy = build.procedure(concept([sct('53442002', 'Gastrectomy')]));
  return validR4(overridden(gastrectomy, { id: 'pr1', ...overrides }, ['performed']));
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
