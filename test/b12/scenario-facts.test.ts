import { describe, expect, it } from 'vitest';
import { DEFAULT_DATA_RULES } from '../../cds-services/b12/clinical-config.js';
import { readPatientFacts } from '../../cds-services/b12/patient-facts.js';
import type { PatientFacts } from '../../cds-services/b12/patient-facts.js';
import type { MarkerResult } from '../../cds-services/b12/lab-facts.js';
import type {
  Analyte,
  CobalaminForm,
  ConditionGroup,
  MedicationClass,
  Route,
} from '../../cds-services/b12/terminology.js';
import { draftOrdersBundle, epochDayOf } from '../support/fhir.js';
import { loadPublicScenarios, scenarioToFhir } from '../support/scenarios.js';

/**
 * Every public scenario, converted to FHIR and read with `readPatientFacts` as of a fixed day:
 * the facts the rule book's triggers (RULES.md 2.5, 5) need for the scenario's expected cards.
 * Values are canonical (RULES.md 3) and compared at full precision.
 */

const TODAY = '2026-11-21';
const TODAY_DAY = epochDayOf(TODAY);
/**
 * nmol/L per ng/mL of folate: by its molecular weight, 441.4 g/mol (RULES.md 10.3.1), which the
 * section 3 table rounds to ×2.266.
 */
const FOLATE_NG_PER_ML = 1 / 0.4414;

interface B12Expectation {
  analyte: 'totalB12' | 'activeB12';
  value: number;
  reported: { value: number; unit: string };
  daysAgo: number;
  addressed: boolean;
}

interface MedicationExpectation {
  classes: MedicationClass[];
  isB12Therapy: boolean;
  route?: Route;
  cobalaminForms?: CobalaminForm[];
}

interface DraftExpectation extends MedicationExpectation {
  dailyDoseMg: number | undefined;
  focused: boolean;
}

interface ScenarioFacts {
  /** What the scenario's expected cards hinge on. */
  hinge: string;
  age: number;
  sex: PatientFacts['patient']['sex'];
  pregnant: boolean;
  /** The latest diagnostic B12 within 365 days (`b12.latest`). */
  b12: B12Expectation | undefined;
  /** With none within 365 days, the latest diagnostic B12 up to 1825 days old. */
  staleB12?: B12Expectation;
  pendingTest?: boolean;
  /** Exactly the analytes with a latest result: [canonical value, days ago]. */
  latest: Partial<Record<Analyte, [number, number]>>;
  /** B12 results that are not diagnostic (on treatment): [canonical value, days ago]. */
  notDiagnostic?: [number, number][];
  /** Exactly the classes with current exposure: days, or `undefined` when unknown. */
  exposure: Partial<Record<MedicationClass, number | undefined>>;
  therapy: { current: boolean; startDaysAgo?: number };
  medications: MedicationExpectation[];
  /** Exactly the condition groups present. */
  groups: ConditionGroup[];
  drafts: DraftExpectation[];
  b12TestOrdered?: boolean;
  /** The threshold comparisons (RULES.md 4) the expected cards turn on. */
  thresholds?: (facts: PatientFacts) => void;
}

const METFORMIN: MedicationExpectation = { classes: ['metformin'], isB12Therapy: false };
const FOLIC_ACID_1MG_ORAL_DAILY: DraftExpectation = {
  classes: ['folicAcid'],
  isB12Therapy: false,
  route: 'oral',
  dailyDoseMg: 1,
  focused: true,
};

const EXPECTED: Readonly<Record<string, ScenarioFacts>> = {
  S01: {
    hinge: 'metformin exposure 150 d > 120 d (major risk), no B12 result ever, no symptom',
    age: 60,
    sex: 'male',
    pregnant: false,
    b12: undefined,
    latest: {},
    exposure: { metformin: 150 },
    therapy: { current: false },
    medications: [METFORMIN],
    groups: ['diabetes'],
    drafts: [],
    thresholds: (facts) => {
      expect(facts.exposure.metformin?.days).toBeGreaterThan(120);
    },
  },
  S05: {
    hinge:
      'diagnostic unaddressed total B12 150 ng/L < 180 (confirmed); Hb 105, MCV 108; folate 21.52 nmol/L (not low); fatigue, no neuro',
    age: 68,
    sex: 'male',
    pregnant: false,
    b12: {
      analyte: 'totalB12',
      value: 150,
      reported: { value: 150, unit: 'ng/L' },
      daysAgo: 5,
      addressed: false,
    },
    latest: {
      totalB12: [150, 5],
      haemoglobin: [105, 5],
      mcv: [108, 5],
      platelets: [210, 5],
      serumFolate: [9.5 * FOLATE_NG_PER_ML, 5],
    },
    exposure: {},
    therapy: { current: false },
    medications: [],
    groups: ['symptom'],
    drafts: [],
    thresholds: (facts) => {
      expect(facts.b12.latest?.value).toBeLessThan(180);
      expect(facts.latest.haemoglobin?.value).toBeLessThan(130);
      expect(facts.latest.mcv?.value).toBeGreaterThan(100);
      expect(facts.latest.serumFolate?.value).toBeGreaterThanOrEqual(7);
    },
  },
  S06: {
    hinge:
      'total B12 120 pg/mL = 120 ng/L (confirmed), paraesthesia and ataxia (neuro), MCV 99 normal',
    age: 71,
    sex: 'female',
    pregnant: false,
    b12: {
      analyte: 'totalB12',
      value: 120,
      reported: { value: 120, unit: 'pg/mL' },
      daysAgo: 2,
      addressed: false,
    },
    latest: { totalB12: [120, 2], haemoglobin: [128, 2], mcv: [99, 2], platelets: [190, 2] },
    exposure: {},
    therapy: { current: false },
    medications: [],
    groups: ['neuro'],
    drafts: [],
    thresholds: (facts) => {
      expect(facts.b12.latest?.value).toBeLessThan(180);
    },
  },
  S08: {
    hinge:
      'total B12 133 pmol/L = 180.2682 ng/L: indeterminate at full precision (not < 180); fatigue; metformin 730 d',
    age: 63,
    sex: 'male',
    pregnant: false,
    b12: {
      analyte: 'totalB12',
      value: 133 * 1.3554,
      reported: { value: 133, unit: 'pmol/L' },
      daysAgo: 7,
      addressed: false,
    },
    latest: { totalB12: [133 * 1.3554, 7], haemoglobin: [140, 7], mcv: [94, 7] },
    exposure: { metformin: 730 },
    therapy: { current: false },
    medications: [METFORMIN],
    groups: ['diabetes', 'symptom'],
    drafts: [],
    thresholds: (facts) => {
      expect(facts.b12.latest?.value).toBeGreaterThanOrEqual(180);
      expect(facts.b12.latest?.value).toBeLessThanOrEqual(350);
    },
  },
  S15: {
    hinge:
      'total B12 250 ng/L (indeterminate), diagnostic MMA 0.62 umol/L since it (raised), eGFR 25 (renal impaired), memory impairment (neuro), CKD 4',
    age: 79,
    sex: 'female',
    pregnant: false,
    b12: {
      analyte: 'totalB12',
      value: 250,
      reported: { value: 250, unit: 'ng/L' },
      daysAgo: 20,
      addressed: false,
    },
    latest: {
      totalB12: [250, 20],
      methylmalonicAcid: [0.62, 10],
      egfr: [25, 20],
      haemoglobin: [112, 20],
      mcv: [96, 20],
    },
    exposure: {},
    therapy: { current: false },
    medications: [],
    groups: ['ckd345', 'neuro'],
    drafts: [],
    thresholds: (facts) => {
      expect(facts.latest.methylmalonicAcid?.value).toBeGreaterThan(0.45);
      expect(facts.latest.egfr?.value).toBeLessThan(60);
      expect(facts.latest.methylmalonicAcid?.day).toBeGreaterThanOrEqual(
        facts.b12.latest?.day ?? Infinity,
      );
    },
  },
  S16: {
    hinge:
      'no B12 within 365 d; stale diagnostic unaddressed total B12 140 ng/L at 400 d (confirmed band); fatigue; metformin 1095 d',
    age: 70,
    sex: 'male',
    pregnant: false,
    b12: undefined,
    staleB12: {
      analyte: 'totalB12',
      value: 140,
      reported: { value: 140, unit: 'ng/L' },
      daysAgo: 400,
      addressed: false,
    },
    latest: { haemoglobin: [124, 30], mcv: [103, 30] },
    exposure: { metformin: 1095 },
    therapy: { current: false },
    medications: [METFORMIN],
    groups: ['diabetes', 'symptom'],
    drafts: [],
    thresholds: (facts) => {
      expect(facts.b12.stale?.value).toBeLessThan(180);
      expect(facts.exposure.metformin?.days).toBeGreaterThan(120);
    },
  },
  S19: {
    hinge:
      'Hb 10.1 g/dL = 101 g/L < 120 (female anaemia, not < 80), MCV 112 (macrocytosis), no B12 ever, platelets 180 from 10*3/uL; age 77',
    age: 77,
    sex: 'female',
    pregnant: false,
    b12: undefined,
    latest: { haemoglobin: [101, 4], mcv: [112, 4], platelets: [180, 4] },
    exposure: {},
    therapy: { current: false },
    medications: [],
    groups: ['symptom'],
    drafts: [],
    thresholds: (facts) => {
      expect(facts.latest.haemoglobin?.value).toBeLessThan(120);
      expect(facts.latest.haemoglobin?.value).toBeGreaterThanOrEqual(80);
      expect(facts.latest.mcv?.value).toBeGreaterThan(100);
    },
  },
  S20: {
    hinge:
      'total B12 130 ng/L (confirmed) and serum folate 2.1 ng/mL = 4.758 nmol/L < 7 (low); no neuro',
    age: 59,
    sex: 'male',
    pregnant: false,
    b12: {
      analyte: 'totalB12',
      value: 130,
      reported: { value: 130, unit: 'ng/L' },
      daysAgo: 3,
      addressed: false,
    },
    latest: {
      totalB12: [130, 3],
      serumFolate: [2.1 * FOLATE_NG_PER_ML, 3],
      haemoglobin: [95, 3],
      mcv: [115, 3],
      platelets: [160, 3],
    },
    exposure: {},
    therapy: { current: false },
    medications: [],
    groups: [],
    drafts: [],
    thresholds: (facts) => {
      expect(facts.b12.latest?.value).toBeLessThan(180);
      expect(facts.latest.serumFolate?.value).toBeLessThan(7);
    },
  },
  S21: {
    hinge:
      'selected folic acid 1 mg/day draft; diagnostic unaddressed total B12 150 ng/L (deficient); not on or planning B12',
    age: 64,
    sex: 'female',
    pregnant: false,
    b12: {
      analyte: 'totalB12',
      value: 150,
      reported: { value: 150, unit: 'ng/L' },
      daysAgo: 10,
      addressed: false,
    },
    latest: {
      totalB12: [150, 10],
      serumFolate: [6, 10],
      haemoglobin: [110, 10],
      mcv: [106, 10],
    },
    exposure: {},
    therapy: { current: false },
    medications: [],
    groups: [],
    drafts: [FOLIC_ACID_1MG_ORAL_DAILY],
    b12TestOrdered: false,
    thresholds: (facts) => {
      expect(facts.b12.latest?.value).toBeLessThan(180);
    },
  },
  S22: {
    hinge:
      'folic acid 1 mg/day draft (order-sign: focused); no B12 ever (missing); MCV 109 (macrocytosis); no B12 test ordered',
    age: 48,
    sex: 'male',
    pregnant: false,
    b12: undefined,
    latest: { haemoglobin: [122, 5], mcv: [109, 5] },
    exposure: {},
    therapy: { current: false },
    medications: [],
    groups: [],
    drafts: [FOLIC_ACID_1MG_ORAL_DAILY],
    b12TestOrdered: false,
    thresholds: (facts) => {
      expect(facts.latest.mcv?.value).toBeGreaterThan(100);
    },
  },
  S27: {
    hinge:
      'on hydroxocobalamin IM since 200 d (onB12); B12 900 ng/L at 30 d is on treatment, so not diagnostic; pernicious anaemia; Hb after therapy start',
    age: 69,
    sex: 'female',
    pregnant: false,
    b12: undefined,
    notDiagnostic: [[900, 30]],
    latest: { haemoglobin: [132, 30], mcv: [92, 30] },
    exposure: { b12: 200 },
    therapy: { current: true, startDaysAgo: 200 },
    medications: [
      {
        classes: ['b12'],
        isB12Therapy: true,
        route: 'intramuscular',
        cobalaminForms: ['hydroxocobalamin'],
      },
    ],
    groups: ['codedB12Deficiency', 'perniciousAnaemia'],
    drafts: [],
    thresholds: (facts) => {
      // b12-review-due stays silent: a full blood count dated after the therapy start.
      expect(facts.latest.haemoglobin?.day).toBeGreaterThan(facts.b12Therapy.startDay ?? Infinity);
    },
  },
  S29: {
    hinge:
      'IM hydroxocobalamin draft (order-sign) with platelets 8 x10^3/uL = 8 x10^9/L (< 10), Hb 68 g/L (< 80 severe), MCV 118, pancytopenia; draft is not therapy',
    age: 80,
    sex: 'male',
    pregnant: false,
    b12: {
      analyte: 'totalB12',
      value: 90,
      reported: { value: 90, unit: 'ng/L' },
      daysAgo: 1,
      addressed: false,
    },
    latest: { totalB12: [90, 1], platelets: [8, 1], haemoglobin: [68, 1], mcv: [118, 1] },
    exposure: {},
    therapy: { current: false },
    medications: [],
    groups: ['pancytopenia', 'symptom'],
    drafts: [
      {
        classes: ['b12'],
        isB12Therapy: true,
        route: 'intramuscular',
        cobalaminForms: ['hydroxocobalamin'],
        // 1 mg on alternate days.
        dailyDoseMg: 0.5,
        focused: true,
      },
    ],
    b12TestOrdered: false,
    thresholds: (facts) => {
      expect(facts.latest.platelets?.value).toBeLessThan(10);
      expect(facts.latest.haemoglobin?.value).toBeLessThan(80);
    },
  },
};

const scenarios = loadPublicScenarios();

function expectB12(actual: MarkerResult | undefined, expected: B12Expectation | undefined): void {
  if (expected === undefined) {
    expect(actual).toBeUndefined();
    return;
  }
  expect(actual).toMatchObject({
    analyte: expected.analyte,
    reported: expected.reported,
    day: TODAY_DAY - expected.daysAgo,
    diagnostic: true,
    addressed: expected.addressed,
  });
  expect(actual?.value).toBeCloseTo(expected.value, 6);
}

const summary = (fact: {
  classes: MedicationClass[];
  isB12Therapy: boolean;
  route: Route | undefined;
  cobalaminForms: CobalaminForm[];
}): MedicationExpectation => ({
  classes: fact.classes,
  isB12Therapy: fact.isB12Therapy,
  ...(fact.route === undefined ? {} : { route: fact.route }),
  ...(fact.cobalaminForms.length === 0 ? {} : { cobalaminForms: fact.cobalaminForms }),
});

describe('public scenario facts', () => {
  it('the table has an entry for every public scenario, and none for a scenario that does not exist', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual(scenarios.map((scenario) => scenario.id).sort());
  });

  describe.each(scenarios.map((scenario) => [scenario.id, scenario] as const))(
    '%s',
    (id, scenario) => {
      const expected = EXPECTED[id];
      const converted = scenarioToFhir(scenario, TODAY);
      const facts = readPatientFacts(
        {
          patientId: converted.patientId,
          today: TODAY_DAY,
          resources: converted.resources,
          draftOrders: draftOrdersBundle(converted.draftOrders),
          ...(converted.selections ? { selections: converted.selections } : {}),
        },
        DEFAULT_DATA_RULES,
      );
      const when = expected ? `: ${expected.hinge}` : '';

      it(`has an expectation${when}`, () => {
        expect(expected, `add ${id} to the table`).toBeDefined();
      });
      if (!expected) return;

      it(`age ${expected.age}, ${expected.sex}, pregnant ${String(expected.pregnant)}`, () => {
        expect(facts.patient).toEqual({
          deceased: false,
          ageYears: expected.age,
          sex: expected.sex,
          pregnant: expected.pregnant,
        });
      });

      it('latest diagnostic B12, stale B12 and pending test', () => {
        expectB12(facts.b12.latest, expected.b12);
        expectB12(facts.b12.stale, expected.staleB12);
        expect(facts.b12.pendingTest).toBe(expected.pendingTest ?? false);
      });

      it('latest result per analyte, canonical value and date', () => {
        expect(Object.keys(facts.latest).sort()).toEqual(Object.keys(expected.latest).sort());
        for (const [analyte, [value, daysAgo]] of Object.entries(expected.latest) as [
          Analyte,
          [number, number],
        ][]) {
          const result = facts.latest[analyte];
          expect(result?.value, analyte).toBeCloseTo(value, 6);
          expect(result?.day, analyte).toBe(TODAY_DAY - daysAgo);
        }
      });

      it('B12 results taken on treatment are kept but not diagnostic', () => {
        const onTreatment = [...facts.results.totalB12, ...facts.results.activeB12]
          .filter((result) => !result.diagnostic)
          .map((result) => [result.value, TODAY_DAY - result.day]);
        expect(onTreatment).toEqual(expected.notDiagnostic ?? []);
      });

      it('exposure days per class and B12 therapy', () => {
        expect(
          Object.fromEntries(
            Object.entries(facts.exposure).map(([cls, found]) => [cls, found.days]),
          ),
        ).toEqual(expected.exposure);
        expect(facts.b12Therapy).toEqual({
          current: expected.therapy.current,
          startDay:
            expected.therapy.startDaysAgo === undefined
              ? undefined
              : TODAY_DAY - expected.therapy.startDaysAgo,
        });
        expect(facts.medications.map(summary)).toEqual(expected.medications);
      });

      it(`condition groups: ${expected.groups.join(', ') || 'none'}`, () => {
        expect(Object.keys(facts.conditions).sort()).toEqual([...expected.groups].sort());
      });

      it('draft orders: classes, route, daily dose, focus', () => {
        expect(
          facts.drafts.medications.map((draft) => ({
            ...summary(draft),
            dailyDoseMg: draft.dailyDoseMg,
            focused: draft.focused,
          })),
        ).toEqual(expected.drafts);
        for (const [index, draft] of facts.drafts.medications.entries()) {
          expect(draft.dailyDoseMg).toBeCloseTo(expected.drafts[index]?.dailyDoseMg ?? NaN, 9);
        }
        expect(facts.drafts.b12TestOrdered).toBe(expected.b12TestOrdered ?? false);
      });

      it('threshold comparisons the expected cards turn on', () => {
        expected.thresholds?.(facts);
      });

      it('clean data: no data notes', () => {
        expect(facts.notes).toEqual([]);
      });
    },
  );
});
