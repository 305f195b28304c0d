import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type {
  CodeableConcept,
  FhirResource,
  MedicationRequest,
  Observation,
  Quantity,
  TimingRepeat,
} from 'fhir/r4.js';
import {
  birthDateForAge,
  concept,
  condition,
  daysBefore,
  draftOrder,
  epochDayOf,
  lab,
  medicationRequest,
  patient,
  quantity,
  rx,
  sct,
} from './fhir.js';
import type { DosageOptions } from './fhir.js';
import { HOOKS } from '../../src/cds-hooks/hooks.js';

/**
 * The public clinical scenarios as FHIR R4: `test/data/scenarios.public.json`, the repository's
 * copy of the clinical team's shared/clinical/scenarios.public.json (the tests never read outside
 * the repository).
 *
 * Scenarios are abstract patients: an age, a sex, results "n days ago", medicines "started n days
 * ago". {@link scenarioToFhir} turns one into the resources an EHR would send for a fixed `today`,
 * with every date computed in UTC so that the result does not depend on the machine's time zone.
 * {@link parseScenario} reads every field of the JSON and fails on any it does not know, so a field
 * added to the scenarios cannot be silently dropped.
 */

export const SCENARIOS_PATH = fileURLToPath(
  new URL('../data/scenarios.public.json', import.meta.url),
);

// ---------------------------------------------------------------------------------------------
// Scenario model

export type Hook = 'patient-view' | 'order-select' | 'order-sign';
export type Sex = 'male' | 'female' | 'other' | 'unknown';
export type ObservationStatus = Observation['status'];
export type MedicationStatus = MedicationRequest['status'];

export interface ScenarioObservation {
  loinc: string;
  display: string;
  value: number;
  unit: string;
  daysAgo: number;
  status: ObservationStatus;
}

export interface ScenarioDosage {
  dose?: string;
  route?: string;
  frequency?: string;
}

export interface ScenarioMedication extends ScenarioDosage {
  rxnorm: string;
  display: string;
  startedDaysAgo: number;
  status: MedicationStatus;
}

export interface ScenarioCondition {
  snomed: string;
  display: string;
}

export interface ScenarioDraftOrder extends ScenarioDosage {
  resourceType: 'MedicationRequest';
  status: 'draft';
  intent: MedicationRequest['intent'];
  rxnorm: string;
  display: string;
}

export interface ExpectedCard {
  cardKey: string;
  indicator: 'info' | 'warning' | 'critical';
  mustMention: string[];
  mustNotMention: string[];
}

export interface Scenario {
  id: string;
  description: string;
  patient: { age: number; sex: Sex };
  observations: ScenarioObservation[];
  medications: ScenarioMedication[];
  conditions: ScenarioCondition[];
  hook: Hook;
  draftOrders: ScenarioDraftOrder[];
  expected: ExpectedCard[];
  absentCardKeys: string[];
  source: string;
  notes?: string;
}

export interface ScenarioFhir {
  patientId: string;
  resources: FhirResource[];
  draftOrders: FhirResource[];
  /** order-select only: every draft is selected (`MedicationRequest/<id>`, CDS Hooks 2.0). */
  selections?: string[];
}

// ---------------------------------------------------------------------------------------------
// Strict reading of the JSON: every field is read, an unknown one is an error.

type Json = Record<string, unknown>;

class Fields {
  private readonly read = new Set<string>();

  constructor(
    private readonly source: Json,
    private readonly where: string,
  ) {}

  static of(value: unknown, where: string): Fields {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new Error(`${where}: expected an object`);
    }
    return new Fields(value as Json, where);
  }

  private raw(key: string): unknown {
    this.read.add(key);
    return this.source[key];
  }

  has(key: string): boolean {
    return this.source[key] !== undefined;
  }

  string(key: string): string {
    const value = this.raw(key);
    if (typeof value !== 'string' || value.trim() === '') {
      throw new Error(`${this.where}.${key}: expected a non-empty string`);
    }
    return value;
  }

  optionalString(key: string): string | undefined {
    if (this.has(key)) return this.string(key);
    this.read.add(key);
    return undefined;
  }

  number(key: string): number {
    const value = this.raw(key);
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new Error(`${this.where}.${key}: expected a number`);
    }
    return value;
  }

  wholeNumber(key: string): number {
    const value = this.number(key);
    if (!Number.isInteger(value) || value < 0) {
      throw new Error(`${this.where}.${key}: expected a whole number ≥ 0`);
    }
    return value;
  }

  oneOf<T extends string>(key: string, allowed: readonly T[]): T {
    const value = this.string(key);
    if (!(allowed as readonly string[]).includes(value)) {
      throw new Error(`${this.where}.${key}: '${value}' is not one of ${allowed.join(', ')}`);
    }
    return value as T;
  }

  strings(key: string): string[] {
    const value = this.raw(key);
    if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
      throw new Error(`${this.where}.${key}: expected an array of strings`);
    }
    return value;
  }

  list<T>(key: string, item: (fields: Fields) => T): T[] {
    const value = this.raw(key);
    if (!Array.isArray(value)) throw new Error(`${this.where}.${key}: expected an array`);
    return value.map((element, index) => {
      const fields = Fields.of(element, `${this.where}.${key}[${index}]`);
      const parsed = item(fields);
      fields.done();
      return parsed;
    });
  }

  object<T>(key: string, item: (fields: Fields) => T): T {
    const fields = Fields.of(this.raw(key), `${this.where}.${key}`);
    const parsed = item(fields);
    fields.done();
    return parsed;
  }

  /** Fails when the object has a field nobody read. */
  done(): void {
    const unknown = Object.keys(this.source).filter((key) => !this.read.has(key));
    if (unknown.length > 0) {
      throw new Error(`${this.where}: unknown field(s) ${unknown.join(', ')}`);
    }
  }
}

const OBSERVATION_STATUSES = [
  'registered',
  'preliminary',
  'final',
  'amended',
  'corrected',
  'cancelled',
  'entered-in-error',
  'unknown',
] as const satisfies readonly ObservationStatus[];

const MEDICATION_STATUSES = [
  'active',
  'on-hold',
  'cancelled',
  'completed',
  'entered-in-error',
  'stopped',
  'draft',
  'unknown',
] as const satisfies readonly MedicationStatus[];

const INTENTS = [
  'proposal',
  'plan',
  'order',
  'original-order',
  'reflex-order',
  'filler-order',
  'instance-order',
  'option',
] as const satisfies readonly MedicationRequest['intent'][];

function readDosage(fields: Fields): ScenarioDosage {
  const dose = fields.optionalString('dose');
  const route = fields.optionalString('route');
  const frequency = fields.optionalString('frequency');
  return {
    ...(dose === undefined ? {} : { dose }),
    ...(route === undefined ? {} : { route }),
    ...(frequency === undefined ? {} : { frequency }),
  };
}

/** Reads one scenario, checking every field's type; throws on an unknown or malformed field. */
export function parseScenario(value: unknown): Scenario {
  const fields = Fields.of(value, 'scenario');
  const id = fields.string('id');
  const scenario: Scenario = {
    id,
    description: fields.string('description'),
    patient: fields.object('patient', (patient) => ({
      age: patient.wholeNumber('age'),
      sex: patient.oneOf('sex', ['male', 'female', 'other', 'unknown'] as const),
    })),
    observations: fields.list('observations', (observation) => ({
      loinc: observation.string('loinc'),
      display: observation.string('display'),
      value: observation.number('value'),
      unit: observation.string('unit'),
      daysAgo: observation.wholeNumber('daysAgo'),
      status: observation.oneOf('status', OBSERVATION_STATUSES),
    })),
    medications: fields.list('medications', (medication) => ({
      rxnorm: medication.string('rxnorm'),
      display: medication.string('display'),
      startedDaysAgo: medication.wholeNumber('startedDaysAgo'),
      status: medication.oneOf('status', MEDICATION_STATUSES),
      ...readDosage(medication),
    })),
    conditions: fields.list('conditions', (condition) => ({
      snomed: condition.string('snomed'),
      display: condition.string('display'),
    })),
    hook: fields.oneOf('hook', HOOKS),
    draftOrders: fields.list('draftOrders', (draft) => ({
      resourceType: draft.oneOf('resourceType', ['MedicationRequest'] as const),
      status: draft.oneOf('status', ['draft'] as const),
      intent: draft.oneOf('intent', INTENTS),
      rxnorm: draft.string('rxnorm'),
      display: draft.string('display'),
      ...readDosage(draft),
    })),
    expected: fields.list('expected', (card) => ({
      cardKey: card.string('cardKey'),
      indicator: card.oneOf('indicator', ['info', 'warning', 'critical'] as const),
      mustMention: card.strings('mustMention'),
      mustNotMention: card.strings('mustNotMention'),
    })),
    absentCardKeys: fields.strings('absentCardKeys'),
    source: fields.string('source'),
  };
  const notes = fields.optionalString('notes');
  if (notes !== undefined) scenario.notes = notes;
  fields.done();
  return scenario;
}

/** Every public scenario, parsed strictly; scenario ids must be unique. */
export function loadPublicScenarios(path: string = SCENARIOS_PATH): Scenario[] {
  const json: unknown = JSON.parse(readFileSync(path, 'utf8'));
  if (!Array.isArray(json)) throw new Error(`${path}: expected an array of scenarios`);
  const scenarios = json.map(parseScenario);
  const ids = scenarios.map((scenario) => scenario.id);
  const duplicate = ids.find((id, index) => ids.indexOf(id) !== index);
  if (duplicate !== undefined) throw new Error(`${path}: duplicate scenario id ${duplicate}`);
  return scenarios;
}

// ---------------------------------------------------------------------------------------------
// Units, doses, routes and frequencies as written in the scenarios.

/** The units the scenarios write, all of them UCUM codes. */
const UCUM_UNITS: ReadonlySet<string> = new Set([
  'ng/L',
  'pg/mL',
  'ng/mL',
  'pmol/L',
  'nmol/L',
  'umol/L',
  'g/L',
  'g/dL',
  'fL',
  '10*9/L',
  '10*3/uL',
  'mL/min/{1.73_m2}',
]);

function ucumCode(unit: string): string {
  if (!UCUM_UNITS.has(unit)) throw new Error(`unit '${unit}' has no UCUM code in the converter`);
  return unit;
}

const DOSE = /^\s*(\d+(?:\.\d+)?)\s*(mg|micrograms?|mcg|ug)\s*$/i;

/** '1 mg', '5 mg', '400 micrograms' → a UCUM dose quantity (mg or ug). */
export function parseDose(dose: string): Quantity {
  const match = DOSE.exec(dose);
  if (!match) throw new Error(`dose '${dose}' not understood`);
  const value = Number(match[1]);
  const unit = (match[2] ?? '').toLowerCase();
  return unit === 'mg' ? quantity(value, 'mg') : quantity(value, 'micrograms', 'ug');
}

export const ROUTES: Readonly<Record<string, { code: string; display: string }>> = {
  intramuscular: { code: '78421000', display: 'Intramuscular route' },
  subcutaneous: { code: '34206005', display: 'Subcutaneous route' },
  oral: { code: '26643006', display: 'Oral route' },
};

export const FREQUENCIES: Readonly<Record<string, TimingRepeat>> = {
  'once daily': { frequency: 1, period: 1, periodUnit: 'd' },
  'twice daily': { frequency: 2, period: 1, periodUnit: 'd' },
  'alternate days': { frequency: 1, period: 2, periodUnit: 'd' },
  '3 times a week': { frequency: 3, period: 1, periodUnit: 'wk' },
};

/** The scenario's dose, route and frequency as the builder's dosage. */
function dosageOf(dosage: ScenarioDosage): DosageOptions {
  if (dosage.dose === undefined && dosage.route === undefined && dosage.frequency === undefined) {
    return {};
  }
  const repeat = dosage.frequency === undefined ? undefined : FREQUENCIES[dosage.frequency];
  if (dosage.frequency !== undefined && repeat === undefined) {
    throw new Error(`frequency '${dosage.frequency}' not understood`);
  }
  const route = dosage.route === undefined ? undefined : ROUTES[dosage.route];
  if (dosage.route !== undefined && route === undefined) {
    throw new Error(`route '${dosage.route}' not understood`);
  }
  return {
    dosageText: [dosage.dose, dosage.route, dosage.frequency]
      .filter((part) => part !== undefined)
      .join(' '),
    ...(repeat ? { timing: { ...repeat } } : {}),
    ...(route ? { route: concept([sct(route.code, route.display)], dosage.route) } : {}),
    ...(dosage.dose === undefined ? {} : { dose: parseDose(dosage.dose) }),
  };
}

// ---------------------------------------------------------------------------------------------
// The conversion

/** Turns a scenario into FHIR R4 resources as of `today` (`YYYY-MM-DD`, UTC). */
export function scenarioToFhir(scenario: Scenario, today: string): ScenarioFhir {
  epochDayOf(today);
  const prefix = scenario.id.toLowerCase();
  const patientId = `pat-${prefix}`;
  const medicine = (item: { rxnorm: string; display: string }): CodeableConcept =>
    concept([rx(item.rxnorm, item.display)], item.display);

  const subject = patient({
    id: patientId,
    gender: scenario.patient.sex,
    birthDate: birthDateForAge(today, scenario.patient.age),
  });

  const observations = scenario.observations.map((item, index) =>
    lab(
      item.loinc,
      item.value,
      item.unit,
      {
        id: `${prefix}-obs-${index + 1}`,
        display: item.display,
        status: item.status,
        code: ucumCode(item.unit),
        patientId,
      },
      { effectiveDateTime: daysBefore(today, item.daysAgo) },
    ),
  );

  const medications = scenario.medications.map((item, index) =>
    medicationRequest(
      medicine(item),
      { id: `${prefix}-med-${index + 1}`, status: item.status, patientId, ...dosageOf(item) },
      { authoredOn: daysBefore(today, item.startedDaysAgo) },
    ),
  );

  const conditions = scenario.conditions.map((item, index) =>
    condition(concept([sct(item.snomed, item.display)]), {
      id: `${prefix}-cond-${index + 1}`,
      patientId,
    }),
  );

  const draftOrders = scenario.draftOrders.map((item, index) =>
    draftOrder(
      medicine(item),
      { id: `${prefix}-draft-${index + 1}`, intent: item.intent, patientId, ...dosageOf(item) },
      { authoredOn: today },
    ),
  );

  return {
    patientId,
    resources: [subject, ...observations, ...medications, ...conditions],
    draftOrders,
    ...(scenario.hook === 'order-select'
      ? { selections: draftOrders.map((draft) => `MedicationRequest/${draft.id ?? ''}`) }
      : {}),
  };
}
