import type {
  Dosage,
  MedicationRequest,
  ServiceRequest,
  Timing,
  CodeableConcept,
} from 'fhir/r4.js';
import { z } from 'zod';
import type { Action } from '../../src/cds-hooks/cards.js';
import { ATC_SYSTEM, LOINC_SYSTEM, RXNORM_SYSTEM, SNOMED_SYSTEM } from './terminology.js';

/**
 * The resources a suggestion creates (RULES.md 5.0 "Suggestion resources"): draft orders for the
 * patient, with RxNorm/ATC and LOINC codes, UCUM quantities and SNOMED CT routes, so an EHR can
 * place them as they are. Created resources carry no id.
 */

const UCUM = 'http://unitsofmeasure.org';

const ROUTES = {
  intramuscular: { system: SNOMED_SYSTEM, code: '78421000', display: 'Intramuscular route' },
  oral: { system: SNOMED_SYSTEM, code: '26643006', display: 'Oral route' },
} as const;

const HYDROXOCOBALAMIN_INJECTION: CodeableConcept = {
  coding: [
    {
      system: RXNORM_SYSTEM,
      code: '317106',
      display: 'hydroxocobalamin 1 MG/ML Injectable Solution',
    },
    { system: ATC_SYSTEM, code: 'B03BA03', display: 'hydroxocobalamin' },
  ],
  text: 'Hydroxocobalamin 1 mg/1 mL injection',
};

const CYANOCOBALAMIN_TABLET: CodeableConcept = {
  coding: [{ system: ATC_SYSTEM, code: 'B03BA01', display: 'cyanocobalamin' }],
  text: 'Cyanocobalamin 1 mg tablet',
};

const FOLIC_ACID_TABLET: CodeableConcept = {
  coding: [
    { system: RXNORM_SYSTEM, code: '4511', display: 'folic acid' },
    { system: ATC_SYSTEM, code: 'B03BB01', display: 'folic acid' },
  ],
  text: 'Folic acid 5 mg tablet',
};

type Repeat = NonNullable<Timing['repeat']>;

const duration = (value: number, unit: 'wk' | 'mo'): Repeat['boundsDuration'] => ({
  value,
  unit: unit === 'wk' ? 'weeks' : 'months',
  system: UCUM,
  code: unit,
});

function dosage(
  sequence: number,
  text: string,
  route: keyof typeof ROUTES,
  doseMg: number,
  repeat: Repeat,
): Dosage {
  return {
    sequence,
    text,
    timing: { repeat },
    route: { coding: [ROUTES[route]] },
    doseAndRate: [{ doseQuantity: { value: doseMg, unit: 'mg', system: UCUM, code: 'mg' } }],
  };
}

function medicationRequest(
  patientId: string,
  medication: CodeableConcept,
  dosageInstruction: Dosage[],
): MedicationRequest {
  return {
    resourceType: 'MedicationRequest',
    status: 'draft',
    intent: 'order',
    medicationCodeableConcept: medication,
    subject: { reference: `Patient/${patientId}` },
    // FHIR forbids empty arrays: a copied order without dosage carries none.
    ...(dosageInstruction.length > 0 ? { dosageInstruction } : {}),
  };
}

const nonEmpty = z.string().min(1);
const coding = z.strictObject({
  system: nonEmpty.optional(),
  version: nonEmpty.optional(),
  code: nonEmpty.optional(),
  display: nonEmpty.optional(),
  userSelected: z.boolean().optional(),
});
const concept = z.strictObject({
  coding: z.array(coding).min(1).optional(),
  text: nonEmpty.optional(),
});
const quantity = z.strictObject({
  value: z.number(),
  comparator: z.enum(['<', '<=', '>=', '>']).optional(),
  unit: nonEmpty.optional(),
  system: nonEmpty.optional(),
  code: nonEmpty.optional(),
});
const repeat = z.strictObject({
  boundsDuration: quantity.optional(),
  count: z.number().int().positive().optional(),
  duration: z.number().positive().optional(),
  durationUnit: z.enum(['s', 'min', 'h', 'd', 'wk', 'mo', 'a']).optional(),
  frequency: z.number().int().positive().optional(),
  frequencyMax: z.number().int().positive().optional(),
  period: z.number().positive().optional(),
  periodMax: z.number().positive().optional(),
  periodUnit: z.enum(['s', 'min', 'h', 'd', 'wk', 'mo', 'a']).optional(),
  dayOfWeek: z
    .array(z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']))
    .min(1)
    .optional(),
  timeOfDay: z.array(nonEmpty).min(1).optional(),
  when: z.array(nonEmpty).min(1).optional(),
  offset: z.number().int().nonnegative().optional(),
});
/** The parts of an R4 Dosage a copied schedule may carry; anything else is not copied. */
const dosageSchema = z.strictObject({
  sequence: z.number().int().optional(),
  text: nonEmpty.optional(),
  patientInstruction: nonEmpty.optional(),
  timing: z
    .strictObject({
      repeat: repeat.optional(),
      code: concept.optional(),
      event: z.array(nonEmpty).min(1).optional(),
    })
    .optional(),
  asNeededBoolean: z.boolean().optional(),
  site: concept.optional(),
  route: concept.optional(),
  method: concept.optional(),
  doseAndRate: z
    .array(z.strictObject({ type: concept.optional(), doseQuantity: quantity.optional() }))
    .min(1)
    .optional(),
});

/** FHIR allows no empty objects (a dosage with nothing in it is not a schedule). */
function hasEmptyValue(value: unknown): boolean {
  if (Array.isArray(value)) return value.length === 0 || value.some(hasEmptyValue);
  if (typeof value === 'object' && value !== null) {
    const children = Object.values(value);
    return children.length === 0 || children.some(hasEmptyValue);
  }
  return false;
}

/** The regimens of RULES.md 5.0, as MedicationRequests for one patient. */
export const regimens = {
  /** MR-LOAD: BNF loading then maintenance. */
  load: (patientId: string): MedicationRequest =>
    medicationRequest(patientId, HYDROXOCOBALAMIN_INJECTION, [
      dosage(1, '1 mg IM three times a week for 2 weeks', 'intramuscular', 1, {
        frequency: 3,
        period: 1,
        periodUnit: 'wk',
        boundsDuration: duration(2, 'wk'),
      }),
      dosage(2, 'then 1 mg IM every 3 months', 'intramuscular', 1, {
        frequency: 1,
        period: 3,
        periodUnit: 'mo',
      }),
    ]),
  /** MR-NEURO: BNF with neurological involvement. */
  neuro: (patientId: string): MedicationRequest =>
    medicationRequest(patientId, HYDROXOCOBALAMIN_INJECTION, [
      dosage(1, '1 mg IM on alternate days until no further improvement', 'intramuscular', 1, {
        frequency: 1,
        period: 2,
        periodUnit: 'd',
      }),
      dosage(2, 'then 1 mg IM every 2 months', 'intramuscular', 1, {
        frequency: 1,
        period: 2,
        periodUnit: 'mo',
      }),
    ]),
  /** MR-ORAL: NICE NG239 oral alternative. */
  oral: (patientId: string): MedicationRequest =>
    medicationRequest(patientId, CYANOCOBALAMIN_TABLET, [
      dosage(1, '1 mg orally once daily', 'oral', 1, { frequency: 1, period: 1, periodUnit: 'd' }),
    ]),
  /** MR-PROPH: BNF lifelong prophylaxis. */
  prophylaxis: (patientId: string): MedicationRequest =>
    medicationRequest(patientId, HYDROXOCOBALAMIN_INJECTION, [
      dosage(1, '1 mg IM every 3 months', 'intramuscular', 1, {
        frequency: 1,
        period: 3,
        periodUnit: 'mo',
      }),
    ]),
  /** MR-FOLIC5: BNF folic acid for about 4 months. */
  folicAcid5: (patientId: string): MedicationRequest =>
    medicationRequest(patientId, FOLIC_ACID_TABLET, [
      dosage(1, '5 mg orally once daily for 4 months', 'oral', 5, {
        frequency: 1,
        period: 1,
        periodUnit: 'd',
        boundsDuration: duration(4, 'mo'),
      }),
    ]),
  /**
   * A hydroxocobalamin order with another order's dosage (RULES.md 5.14), or `undefined` when that
   * dosage is not well-formed R4: a schedule is copied whole or not at all (none given, none copied).
   */
  hydroxocobalaminWith: (
    patientId: string,
    dosageInstruction: readonly unknown[],
  ): MedicationRequest | undefined => {
    const copied = z.array(dosageSchema).safeParse(dosageInstruction);
    return copied.success && !copied.data.some(hasEmptyValue)
      ? medicationRequest(patientId, HYDROXOCOBALAMIN_INJECTION, copied.data as Dosage[])
      : undefined;
  },
};

/** Tests a suggestion can order (RULES.md 5.0 SR-x, LOINC); displays only where checked. */
interface OrderableTest {
  code: string;
  display?: string;
  text: string;
}

export const TESTS = {
  totalB12: {
    code: '2132-9',
    display: 'Cobalamin (Vitamin B12) [Mass/volume] in Serum or Plasma',
    text: 'Total vitamin B12',
  },
  activeB12: { code: '72160-5', text: 'Active B12 (holotranscobalamin)' },
  mma: {
    code: '13964-2',
    display: 'Methylmalonate [Moles/volume] in Serum or Plasma',
    text: 'Serum methylmalonic acid (MMA)',
  },
  serumFolate: {
    code: '2284-8',
    display: 'Folate [Mass/volume] in Serum or Plasma',
    text: 'Serum folate',
  },
  fullBloodCount: {
    code: '58410-2',
    display: 'CBC panel - Blood by Automated count',
    text: 'Full blood count',
  },
  potassium: {
    code: '2823-3',
    display: 'Potassium [Moles/volume] in Serum or Plasma',
    text: 'Serum potassium',
  },
  intrinsicFactorAntibody: { code: '31444-3', text: 'Intrinsic factor antibodies' },
} as const satisfies Record<string, OrderableTest>;

export type TestName = keyof typeof TESTS;

export function serviceRequest(patientId: string, test: TestName): ServiceRequest {
  const { code, display, text }: OrderableTest = TESTS[test];
  return {
    resourceType: 'ServiceRequest',
    status: 'draft',
    intent: 'order',
    code: { coding: [{ system: LOINC_SYSTEM, code, ...(display ? { display } : {}) }], text },
    subject: { reference: `Patient/${patientId}` },
  };
}

/** Suggestion actions. */
export const actions = {
  order: (patientId: string, test: TestName): Action => ({
    type: 'create',
    description: `Order ${TESTS[test].text}`,
    resource: serviceRequest(patientId, test),
  }),
  prescribe: (resource: MedicationRequest, description: string): Action => ({
    type: 'create',
    description,
    resource,
  }),
  /** DEL(x): remove a draft order by reference (CDS Hooks: `resourceId`, no resource). */
  remove: (draftId: string, description: string): Action => ({
    type: 'delete',
    description,
    resourceId: `MedicationRequest/${draftId}`,
  }),
};
