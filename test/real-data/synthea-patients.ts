import { fileURLToPath } from 'node:url';
import type { FhirResource } from 'fhir/r4.js';
import { DEFAULT_CLINICAL_CONFIG, factsOf } from '../../cds-services/b12/index.js';
import type { DraftKey, PatientFacts } from '../../cds-services/b12/index.js';
import type { Card, CdsResponse } from '../../src/cds-hooks/cards.js';
import type { HookName } from '../../src/cds-hooks/hooks.js';
import {
  evaluateFile,
  hookRequestFrom,
  loadEvaluator,
  readJsonFile,
} from '../../src/main/cli/evaluate.js';
import { utcDay } from '../../src/fhir/dates.js';

/**
 * The twelve Synthea patients of fixtures/synthea (see its README for what each exercises), and
 * how the tests evaluate them: in-process, on the path of `npx b12-cds evaluate <bundle> --date`
 * (the Bundle made a hook request, then the service's own validation, prefetch and rules).
 */

/** "Today" for these tests: the day the rule book's section 10 was written. */
export const TODAY = '2026-12-07';

interface SyntheaPatient {
  /** The latest `Encounter.period.start` of the Bundle, as a day. */
  lastEncounter: string;
  /** `Patient.deceasedDateTime`, as a day. */
  died?: string;
  /** Other days worth evaluating, and why. */
  also?: Readonly<Record<string, string>>;
}

export const PATIENTS = {
  Coleman_Ortiz: { lastEncounter: '1981-07-12', died: '1981-07-14' },
  Emeline_Hilll: { lastEncounter: '1959-12-14', died: '1959-12-14' },
  Dirk_Kuhlman: { lastEncounter: '2021-03-02' },
  Adan_Portillo: { lastEncounter: '2020-10-17' },
  David_Alcantar: { lastEncounter: '2020-11-14' },
  Loma_Johns: { lastEncounter: '2006-12-16', died: '2006-12-18' },
  Thanh_Mosciski: {
    lastEncounter: '2021-02-24',
    also: { '2018-10-31': 'the day after her Hb of 6.131041727801779 g/dL' },
  },
  Ali_Herman: { lastEncounter: '2021-03-03' },
  Alix_Reilly: { lastEncounter: '2021-03-24' },
  Gabriela_Streich: {
    lastEncounter: '2018-01-18',
    died: '2018-01-18',
    also: { '2018-01-17': 'the day before she died, on leucovorin' },
  },
  Hiedi_Bruen: { lastEncounter: '2020-08-04' },
  Patria_Schimmel: { lastEncounter: '2019-06-25' },
} as const satisfies Record<string, SyntheaPatient>;

export type PatientName = keyof typeof PATIENTS;
export const PATIENT_NAMES = Object.keys(PATIENTS) as PatientName[];

/** The days a patient is evaluated on: the last encounter, any other telling day, and today. */
export function datesOf(name: PatientName): string[] {
  const patient: SyntheaPatient = PATIENTS[name];
  return [patient.lastEncounter, ...Object.keys(patient.also ?? {}), TODAY];
}

export const bundleFile = (name: PatientName): string =>
  fileURLToPath(new URL(`../../fixtures/synthea/${name}.json`, import.meta.url));

/** What `npx b12-cds` evaluates with: the default configuration, read as the CLI reads it. */
const evaluator = loadEvaluator({});

/** The hook and draft order of `--hook` and `--draft`; patient-view without them. */
export interface HookChoice {
  hook?: HookName;
  draft?: DraftKey;
}

/** The CDS Hooks response `npx b12-cds evaluate <file> --date <date> [--hook --draft]` prints. */
export async function evaluate(
  file: string,
  date: string,
  choice: HookChoice = {},
): Promise<CdsResponse> {
  return (await evaluateFile(file, { date, ...choice }, evaluator)).response;
}

export const evaluatePatient = (
  name: PatientName,
  date: string,
  choice: HookChoice = {},
): Promise<CdsResponse> => evaluate(bundleFile(name), date, choice);

export const codesOf = (response: CdsResponse): (string | undefined)[] =>
  response.cards.map((card) => card.source.topic?.code);

export const cardOf = (response: CdsResponse, code: string): Card | undefined =>
  response.cards.find((card) => card.source.topic?.code === code);

/** Every resource of a prefetch value (a Bundle's entries, or the resource itself). */
function resourcesOf(value: unknown): FhirResource[] {
  if (value === null || typeof value !== 'object') return [];
  const resource = value as FhirResource;
  if (resource.resourceType !== 'Bundle') return [resource];
  return (resource.entry ?? []).flatMap((entry) =>
    entry.resource ? [entry.resource as FhirResource] : [],
  );
}

/** The facts the rules read from the patient's Bundle on `date` (the CLI's request, its data). */
export function patientFactsOf(name: PatientName, date: string): PatientFacts {
  const file = bundleFile(name);
  const request = hookRequestFrom(file, readJsonFile(file), { date });
  return factsOf(
    {
      patientId: request.context.patientId,
      today: utcDay(new Date(`${date}T12:00:00Z`)),
      resources: Object.values(request.prefetch ?? {}).flatMap(resourcesOf),
    },
    DEFAULT_CLINICAL_CONFIG,
  );
}
