import type {
  Dosage,
  MedicationRequest,
  ServiceRequest,
  Timing,
  CodeableConcept,
} from 'fhir/r4.js';
import type { Action } from '../../src/cds-hooks/cards.js';
import { ATC, LOINC, RXNORM, SNOMED, UCUM } from '../../src/fhir/systems.js';

/**
 * The resources a suggestion creates (RULES.md 5.0 "Suggestion resources"): draft orders for the
 * patient, with RxNorm/ATC and LOINC codes, UCUM quantities and SNOMED CT routes, so an EHR can
 * place them as they are. Created resources carry no id.
 */

const ROUTES = {
  intramuscular: { system: SNOMED, code: '78421000', display: 'Intramuscular route' },
  oral: { system: SNOMED, code: '26643006', display: 'Oral route' },
} as const;

const CYANOCOBALAMIN_ATC = { system: ATC, code: 'B03BA01', display: 'cyanocobalamin' };

/** The medicinal products orders name. */
export const PRODUCTS = {
  hydroxocobalaminInjection: {
    coding: [
      {
        system: RXNORM,
        code: '317106',
        display: 'hydroxocobalamin 1 MG/ML Injectable Solution',
      },
      { system: ATC, code: 'B03BA03', display: 'hydroxocobalamin' },
    ],
    text: 'Hydroxocobalamin 1 mg/1 mL injection',
  },
  cyanocobalaminTablet: {
    coding: [CYANOCOBALAMIN_ATC],
    text: 'Cyanocobalamin 1 mg tablet',
  },
  /** Never suggested (RULES.md 5.0 injects hydroxocobalamin); a draft order may name it (drafts.ts). */
  cyanocobalaminInjection: {
    coding: [
      {
        system: RXNORM,
        code: '309594',
        display: 'cyanocobalamin 1 MG/ML Injectable Solution',
      },
      CYANOCOBALAMIN_ATC,
    ],
    text: 'Cyanocobalamin 1000 micrograms/1 mL injection',
  },
  folicAcidTablet: {
    coding: [
      { system: RXNORM, code: '4511', display: 'folic acid' },
      { system: ATC, code: 'B03BB01', display: 'folic acid' },
    ],
    text: 'Folic acid 5 mg tablet',
  },
} satisfies Record<string, CodeableConcept>;

type Repeat = NonNullable<Timing['repeat']>;

const duration = (value: number, unit: 'wk' | 'mo'): Repeat['boundsDuration'] => ({
  value,
  unit: unit === 'wk' ? 'weeks' : 'months',
  system: UCUM,
  code: unit,
});

export function dosage(
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

export function medicationRequest(
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
    // FHIR forbids empty arrays: a copied order without dosage carries none (copied-dosage.ts).
    ...(dosageInstruction.length > 0 ? { dosageInstruction } : {}),
  };
}

/** The regimens of RULES.md 5.0, as MedicationRequests for one patient. */
export const regimens = {
  /** MR-LOAD: BNF loading then maintenance. */
  load: (patientId: string): MedicationRequest =>
    medicationRequest(patientId, PRODUCTS.hydroxocobalaminInjection, [
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
    medicationRequest(patientId, PRODUCTS.hydroxocobalaminInjection, [
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
    medicationRequest(patientId, PRODUCTS.cyanocobalaminTablet, [
      dosage(1, '1 mg orally once daily', 'oral', 1, { frequency: 1, period: 1, periodUnit: 'd' }),
    ]),
  /** MR-PROPH: BNF lifelong prophylaxis. */
  prophylaxis: (patientId: string): MedicationRequest =>
    medicationRequest(patientId, PRODUCTS.hydroxocobalaminInjection, [
      dosage(1, '1 mg IM every 3 months', 'intramuscular', 1, {
        frequency: 1,
        period: 3,
        periodUnit: 'mo',
      }),
    ]),
  /** MR-FOLIC5: BNF folic acid for about 4 months. */
  folicAcid5: (patientId: string): MedicationRequest =>
    medicationRequest(patientId, PRODUCTS.folicAcidTablet, [
      dosage(1, '5 mg orally once daily for 4 months', 'oral', 5, {
        frequency: 1,
        period: 1,
        periodUnit: 'd',
        boundsDuration: duration(4, 'mo'),
      }),
    ]),
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
    code: { coding: [{ system: LOINC, code, ...(display ? { display } : {}) }], text },
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
