import { ruleContext } from '../../cds-services/b12/rule.js';
import { describe, expect, it, vi } from 'vitest';
import type { FhirResource, Patient } from 'fhir/r4.js';
import { CARD_CATALOG } from '../../cds-services/b12/catalog.js';
import type { CardCode } from '../../cds-services/b12/catalog.js';
import { HOOKS } from '../../src/cds-hooks/hooks.js';
import type { HookName } from '../../src/cds-hooks/hooks.js';
import { DEFAULT_CLINICAL_CONFIG } from '../../cds-services/b12/clinical-config.js';
import { evaluate } from '../../cds-services/b12/evaluate.js';
import type { Rule, RuleContext } from '../../cds-services/b12/rule.js';
import {
  PATIENT_ID,
  concept,
  condition,
  draftOrder,
  lab,
  medicationRequest,
  patient,
  quantity,
  rx,
  sct,
} from '../support/fhir.js';
import { facts } from './facts.js';

/**
 * RULES.md 5.1 (suppression and precedence on patient-view), "one card per code" and "a card
 * fires only on its listed hooks" (RULES.md 1), over `evaluate()` with facts read from real FHIR
 * resources.
 *
 * Part 1 runs the real rules: whole patients whose data meet several cards' triggers.
 * Part 2 isolates `evaluate()` itself: the six rule modules are wrapped so that, when a test
 * switches the stub on, the real rules are silent and stub rules emit exactly the cards the test
 * names (a rule author's trigger can then never hide a precedence bug, nor the other way round).
 */

const stub = vi.hoisted(() => {
  const state = { active: false, emit: [] as string[] };
  type AnyRule = (context: never) => unknown;
  /** The real rule, silent while the stub is on. */
  const guard =
    (rule: AnyRule): AnyRule =>
    (context) =>
      state.active ? undefined : rule(context);
  /** Rule n emits the n-th code of `state.emit` (so a code can be emitted twice). */
  const stubRules: AnyRule[] = Array.from({ length: 40 }, (_, index) => () => {
    const code = state.active ? state.emit[index] : undefined;
    return code === undefined
      ? undefined
      : { code, summary: `stub ${code}`, detail: [`Evidence: stub ${index}.`] };
  });
  return { state, guard, stubRules };
});

/** A rule module: its rules under one export name. */
type RuleModule = Record<string, readonly Rule[] | undefined>;

/** The module with its rule list guarded by the stub switch (and, for testing.ts, the stubs added). */
function guarded(real: RuleModule, name: string, extra: readonly unknown[] = []): RuleModule {
  const rules = real[name];
  if (!rules) throw new Error(`rule module has no export ${name}`);
  return { ...real, [name]: [...rules.map(stub.guard), ...extra] as Rule[] };
}

vi.mock('../../cds-services/b12/rules/testing.js', async (importOriginal) =>
  guarded(await importOriginal<RuleModule>(), 'testingRules', stub.stubRules),
);
vi.mock('../../cds-services/b12/rules/interpretation.js', async (importOriginal) =>
  guarded(await importOriginal<RuleModule>(), 'interpretationRules'),
);
vi.mock('../../cds-services/b12/rules/treatment.js', async (importOriginal) =>
  guarded(await importOriginal<RuleModule>(), 'treatmentRules'),
);
vi.mock('../../cds-services/b12/rules/folate-safety.js', async (importOriginal) =>
  guarded(await importOriginal<RuleModule>(), 'folateSafetyRules'),
);
vi.mock('../../cds-services/b12/rules/injection-safety.js', async (importOriginal) =>
  guarded(await importOriginal<RuleModule>(), 'injectionSafetyRules'),
);
vi.mock('../../cds-services/b12/rules/monitoring.js', async (importOriginal) =>
  guarded(await importOriginal<RuleModule>(), 'monitoringRules'),
);

// ---------------------------------------------------------------------------------------------
// Patients (every date is days before 2026-11-21)

const ADULT: Patient = patient({ gender: 'female', birthDate: '1962-05-01' }); // 64
const CHILD: Patient = patient({ gender: 'male', birthDate: '2012-03-10' }); // 14

const b12 = (value: number, daysAgo = 10): FhirResource =>
  lab('2132-9', value, 'ng/L', { daysAgo });
const mma = (value: number, daysAgo = 5): FhirResource =>
  lab('13964-2', value, 'umol/L', { daysAgo });
const hb = (value: number, daysAgo = 10): FhirResource => lab('718-7', value, 'g/L', { daysAgo });
const mcv = (value: number, daysAgo = 10): FhirResource => lab('787-2', value, 'fL', { daysAgo });
const egfr = (value: number): FhirResource =>
  lab('98979-8', value, 'mL/min/{1.73_m2}', { daysAgo: 10 });
const serumFolate = (value: number): FhirResource =>
  lab('14732-2', value, 'nmol/L', { daysAgo: 10 });
const snomed = (code: string, display: string): FhirResource =>
  condition(concept([sct(code, display)]));

const FATIGUE = snomed('84229001', 'Fatigue');
const PARAESTHESIA = snomed('91019004', 'Paresthesia');
const GASTRECTOMY = snomed('53442002', 'Gastrectomy');
const ILEECTOMY = snomed('51346007', 'Ileectomy');
const BARIATRIC = snomed('430715008', 'Bariatric operative procedure');
const metformin = (startedDaysAgo = 700): FhirResource =>
  medicationRequest(concept([rx('861007', 'metformin hydrochloride 500 MG Oral Tablet')]), {
    startedDaysAgo,
  });
const hydroxocobalamin = (startedDaysAgo: number): FhirResource =>
  medicationRequest(concept([rx('317106', 'hydroxocobalamin 1 MG/ML Injectable Solution')]), {
    startedDaysAgo,
    route: concept([sct('78421000', 'Intramuscular route')]),
    dose: quantity(1, 'mg'),
    timing: { frequency: 1, period: 3, periodUnit: 'mo' },
  });
const FOLIC_ACID_DRAFT = draftOrder(concept([rx('310410', 'folic acid 1 MG Oral Tablet')]), {
  id: 'draft-folic',
  dose: quantity(1, 'mg'),
  timing: { frequency: 1, period: 1, periodUnit: 'd' },
});

interface Case {
  patient?: Patient;
  resources: FhirResource[];
  hook?: HookName;
  draftOrders?: FhirResource[];
}

/** The rule context the service builds for a hook call (as cds-services/b12/advice.ts does). */
function contextOf({
  patient: subject = ADULT,
  resources,
  hook = 'patient-view',
  draftOrders,
}: Case): RuleContext {
  const patientFacts = facts(resources, {
    patient: subject,
    config: DEFAULT_CLINICAL_CONFIG,
    ...(draftOrders ? { draftOrders } : {}),
  });
  return ruleContext(hook, PATIENT_ID, patientFacts, DEFAULT_CLINICAL_CONFIG);
}

const codesOf = (context: RuleContext): string[] =>
  evaluate(context).shown.map((spec) => spec.code);

// ---------------------------------------------------------------------------------------------
// Part 1: the real rules

interface RealCase extends Case {
  name: string;
  present: CardCode[];
  absent: CardCode[];
  /** When set, exactly these cards (in any order). */
  exactly?: CardCode[];
}

const REAL_CASES: RealCase[] = [
  {
    name: '5.1.1 under 16 (age 14, low B12, severe anaemia, fatigue, metformin): only outside-guideline-age and severe-anaemia-urgent',
    patient: CHILD,
    resources: [b12(120), hb(75), mcv(110), FATIGUE, PARAESTHESIA, metformin(), serumFolate(4)],
    present: ['outside-guideline-age', 'severe-anaemia-urgent'],
    absent: [],
    exactly: ['outside-guideline-age', 'severe-anaemia-urgent'],
  },
  {
    name: '5.1.2 on B12 for 90 days with no blood count since (low B12 before, paraesthesia, metformin, low folate, Hb 75 on the start day): only b12-review-due and severe-anaemia-urgent',
    resources: [
      hydroxocobalamin(90),
      b12(120, 100),
      hb(75, 90),
      mcv(112, 90),
      PARAESTHESIA,
      FATIGUE,
      metformin(),
      GASTRECTOMY,
      serumFolate(4),
    ],
    present: ['b12-review-due', 'severe-anaemia-urgent'],
    absent: [],
    exactly: ['b12-review-due', 'severe-anaemia-urgent'],
  },
  {
    name: '5.1.3 low B12 with paraesthesia: b12-deficiency-neuro-urgent and no b12-deficiency-treat',
    resources: [b12(120), PARAESTHESIA],
    present: ['b12-deficiency-neuro-urgent'],
    absent: ['b12-deficiency-treat'],
  },
  {
    name: '5.1.4 an untreated low B12 of 400 days ago with fatigue and metformin: b12-low-stale-untreated and neither test card',
    resources: [b12(140, 400), FATIGUE, metformin()],
    present: ['b12-low-stale-untreated'],
    absent: ['b12-test-recommended', 'b12-test-consider'],
  },
  {
    name: '5.1.5 fatigue with metformin for 2 years and no B12: b12-test-recommended and no b12-test-consider',
    resources: [FATIGUE, metformin()],
    present: ['b12-test-recommended'],
    absent: ['b12-test-consider'],
  },
  {
    name: '5.1.6 gastrectomy with fatigue and no B12: b12-test-recommended supersedes b12-prophylaxis-malabsorption',
    resources: [GASTRECTOMY, FATIGUE],
    present: ['b12-test-recommended'],
    absent: ['b12-prophylaxis-malabsorption', 'b12-test-consider'],
  },
  {
    name: '5.1.6 gastrectomy with a low B12: b12-deficiency-treat supersedes b12-prophylaxis-malabsorption',
    resources: [GASTRECTOMY, b12(150)],
    present: ['b12-deficiency-treat'],
    absent: ['b12-prophylaxis-malabsorption'],
  },
  {
    name: '5.1.6 gastrectomy with a low B12 and paraesthesia: b12-deficiency-neuro-urgent supersedes b12-prophylaxis-malabsorption',
    resources: [GASTRECTOMY, b12(150), PARAESTHESIA],
    present: ['b12-deficiency-neuro-urgent'],
    absent: ['b12-prophylaxis-malabsorption', 'b12-deficiency-treat'],
  },
  {
    name: '5.1.6 gastrectomy with an indeterminate B12: b12-indeterminate-mma supersedes b12-prophylaxis-malabsorption',
    resources: [GASTRECTOMY, b12(250)],
    present: ['b12-indeterminate-mma'],
    absent: ['b12-prophylaxis-malabsorption'],
  },
  {
    name: '5.1.6 ileal resection with indeterminate B12, raised MMA and eGFR 40: mma-renal-caution supersedes b12-prophylaxis-malabsorption',
    resources: [ILEECTOMY, b12(250, 10), mma(0.6, 5), egfr(40)],
    present: ['mma-renal-caution'],
    absent: ['b12-prophylaxis-malabsorption', 'b12-deficiency-treat'],
  },
  {
    name: '5.1.6 bariatric surgery with an untreated low B12 of 400 days ago: b12-low-stale-untreated supersedes b12-prophylaxis-malabsorption',
    resources: [BARIATRIC, b12(140, 400)],
    present: ['b12-low-stale-untreated'],
    absent: ['b12-prophylaxis-malabsorption', 'b12-test-consider'],
  },
  {
    name: '5.1.6 gastrectomy, no symptoms and no B12: b12-prophylaxis-malabsorption supersedes b12-test-consider',
    resources: [GASTRECTOMY],
    present: ['b12-prophylaxis-malabsorption'],
    absent: ['b12-test-consider', 'b12-test-recommended'],
  },
  {
    name: '10.9.3 low B12, low folate and Hb 75: combined-b12-folate-deficiency replaces b12-deficiency-treat, beside severe-anaemia-urgent',
    resources: [b12(130), serumFolate(4.5), hb(75), mcv(115)],
    present: ['combined-b12-folate-deficiency', 'severe-anaemia-urgent'],
    absent: ['b12-deficiency-treat'],
  },
  {
    name: '5.1.7 low B12, low folate, paraesthesia and Hb 75: combined-b12-folate-deficiency, b12-deficiency-neuro-urgent and severe-anaemia-urgent together',
    resources: [b12(130), serumFolate(4.5), hb(75), PARAESTHESIA],
    present: [
      'combined-b12-folate-deficiency',
      'b12-deficiency-neuro-urgent',
      'severe-anaemia-urgent',
    ],
    absent: ['b12-deficiency-treat'],
  },
  {
    name: 'catalog hooks: a low B12 with a folic acid draft on order-sign gives folate-order-b12-untreated and no patient-view card',
    resources: [b12(150), FATIGUE, metformin()],
    hook: 'order-sign',
    draftOrders: [FOLIC_ACID_DRAFT],
    present: ['folate-order-b12-untreated'],
    absent: ['b12-deficiency-treat'],
    exactly: ['folate-order-b12-untreated'],
  },
  {
    name: 'catalog hooks: the same patient on patient-view gets b12-deficiency-treat and no order card',
    resources: [b12(150), FATIGUE, metformin()],
    present: ['b12-deficiency-treat'],
    absent: ['folate-order-b12-untreated', 'folate-order-b12-unknown'],
  },
  {
    name: 'under 16 on order-sign: the folic acid safety card still fires (RULES.md 1: order-safety cards apply at any age)',
    patient: CHILD,
    resources: [b12(120)],
    hook: 'order-sign',
    draftOrders: [FOLIC_ACID_DRAFT],
    present: ['folate-order-b12-untreated'],
    absent: ['outside-guideline-age'],
  },
];

describe('a patient recorded as dead gets no card on any hook (RULES.md 10.1.1)', () => {
  // Low B12 with paraesthesia, Hb 70, platelets 20; IM B12 and folic acid drafts.
  const WORRYING = [b12(120), hb(70), PARAESTHESIA, lab('777-3', 20, '10*9/L', { daysAgo: 5 })];
  const DRAFTS = [
    FOLIC_ACID_DRAFT,
    draftOrder(concept([rx('317106')]), {
      id: 'draft-im',
      route: concept([sct('78421000', 'Intramuscular route')]),
    }),
  ];

  it.each<[string, Partial<Patient>]>([
    ['deceasedBoolean true', { deceasedBoolean: true }],
    ['deceasedDateTime 3 days ago', { deceasedDateTime: '2026-11-18' }],
    ['deceasedDateTime today', { deceasedDateTime: '2026-11-21T08:15:00Z' }],
  ])('%s: no cards on patient-view, order-select or order-sign', (_name, deceased) => {
    for (const hook of HOOKS) {
      const row: Case = {
        patient: { ...ADULT, ...deceased },
        resources: WORRYING,
        hook,
        ...(hook === 'patient-view' ? {} : { draftOrders: DRAFTS }),
      };
      expect(codesOf(contextOf(row)), hook).toEqual([]);
    }
  });

  it.each<[string, Partial<Patient>]>([
    ['deceasedDateTime tomorrow (not on or before today)', { deceasedDateTime: '2026-11-22' }],
    ['deceasedBoolean false', { deceasedBoolean: false }],
  ])('%s: the cards are given', (_name, alive) => {
    for (const hook of HOOKS) {
      const row: Case = {
        patient: { ...ADULT, ...alive },
        resources: WORRYING,
        hook,
        ...(hook === 'patient-view' ? {} : { draftOrders: DRAFTS }),
      };
      expect(codesOf(contextOf(row)), hook).toContain('severe-anaemia-urgent');
    }
  });
});

describe('evaluate() with the real rules on real facts (RULES.md 5.1)', () => {
  it.each(REAL_CASES.map((row) => [row.name, row] as const))('%s', (_name, row) => {
    const codes = codesOf(contextOf(row));
    for (const code of row.present) expect(codes, `cards: ${codes.join(', ')}`).toContain(code);
    for (const code of row.absent) expect(codes).not.toContain(code);
    if (row.exactly) expect([...codes].sort()).toEqual([...row.exactly].sort());
    // One card per code (RULES.md 1), whatever the rules concluded.
    expect(new Set(codes).size).toBe(codes.length);
    // Every card is one its catalog entry allows on this hook.
    const hook = row.hook ?? 'patient-view';
    for (const code of codes) {
      expect(CARD_CATALOG[code as CardCode].hooks as readonly string[]).toContain(hook);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Part 2: evaluate() alone, with stub rules

const PATIENT_VIEW_CODES = (Object.keys(CARD_CATALOG) as CardCode[]).filter((code) =>
  (CARD_CATALOG[code].hooks as readonly string[]).includes('patient-view'),
);
const ALL_CODES = Object.keys(CARD_CATALOG) as CardCode[];

/** What `evaluate` keeps when the stub rules emit `emit` for this patient. */
function kept(emit: readonly string[], row: Case = { resources: [] }): string[] {
  stub.state.active = true;
  stub.state.emit = [...emit];
  try {
    return codesOf(contextOf(row)).sort();
  } finally {
    stub.state.active = false;
    stub.state.emit = [];
  }
}

const sorted = (codes: readonly string[]): string[] => [...codes].sort();

const NOT_ON_B12: CardCode[] = [
  'b12-test-recommended',
  'b12-test-consider',
  'b12-indeterminate-mma',
  'mma-renal-caution',
  'b12-deficiency-treat',
  'b12-deficiency-neuro-urgent',
  'b12-low-stale-untreated',
  'combined-b12-folate-deficiency',
  'b12-prophylaxis-malabsorption',
];

describe('evaluate() alone: suppression and precedence (RULES.md 5.1), stub rules on real facts', () => {
  it('the stub is off by default: the real rules run', () => {
    expect(codesOf(contextOf({ resources: [b12(150)] }))).toContain('b12-deficiency-treat');
  });

  it('5.1.1 a 14-year-old: of every patient-view card, only outside-guideline-age and severe-anaemia-urgent are kept', () => {
    expect(kept(PATIENT_VIEW_CODES, { patient: CHILD, resources: [] })).toEqual(
      sorted(['outside-guideline-age', 'severe-anaemia-urgent']),
    );
  });

  it('5.1.1 age unknown (no birth date) counts as adult: nothing is dropped for age', () => {
    const noBirthDate = patient({ gender: 'female', birthDate: undefined });
    expect(kept(['b12-deficiency-treat'], { patient: noBirthDate, resources: [] })).toEqual([
      'b12-deficiency-treat',
    ]);
  });

  it('5.1.2 on B12: the nine listed cards are dropped; b12-review-due, severe-anaemia-urgent, outside-guideline-age, b12-low-on-oral (exempt, 10.8) and b12-result-unreadable stay', () => {
    const onB12 = { resources: [hydroxocobalamin(200)] };
    expect(kept(PATIENT_VIEW_CODES, onB12)).toEqual(
      sorted(PATIENT_VIEW_CODES.filter((code) => !NOT_ON_B12.includes(code))),
    );
    expect(kept(PATIENT_VIEW_CODES, onB12)).toEqual(
      sorted([
        'b12-review-due',
        'severe-anaemia-urgent',
        'outside-guideline-age',
        'b12-low-on-oral',
        'b12-result-unreadable',
      ]),
    );
  });

  it.each<[string, string[], string[]]>([
    [
      '5.1.3 b12-deficiency-neuro-urgent supersedes b12-deficiency-treat',
      ['b12-deficiency-treat', 'b12-deficiency-neuro-urgent'],
      ['b12-deficiency-neuro-urgent'],
    ],
    [
      '5.1.4 b12-low-stale-untreated supersedes b12-test-recommended and b12-test-consider',
      ['b12-test-recommended', 'b12-test-consider', 'b12-low-stale-untreated'],
      ['b12-low-stale-untreated'],
    ],
    [
      '5.1.5 b12-test-recommended supersedes b12-test-consider',
      ['b12-test-consider', 'b12-test-recommended'],
      ['b12-test-recommended'],
    ],
    [
      '10.8 b12-low-on-oral supersedes b12-test-recommended and b12-test-consider',
      ['b12-test-recommended', 'b12-test-consider', 'b12-low-on-oral'],
      ['b12-low-on-oral'],
    ],
    [
      '10.8 b12-low-on-oral coexists with b12-review-due and severe-anaemia-urgent',
      ['b12-low-on-oral', 'b12-review-due', 'severe-anaemia-urgent'],
      ['b12-low-on-oral', 'b12-review-due', 'severe-anaemia-urgent'],
    ],
    ...(
      [
        'b12-test-recommended',
        'b12-deficiency-treat',
        'b12-deficiency-neuro-urgent',
        'b12-indeterminate-mma',
        'mma-renal-caution',
        'b12-low-stale-untreated',
      ] as const
    ).map((winner): [string, string[], string[]] => [
      `5.1.6 ${winner} supersedes b12-prophylaxis-malabsorption`,
      ['b12-prophylaxis-malabsorption', winner],
      [winner],
    ]),
    [
      '5.1.6 b12-prophylaxis-malabsorption supersedes b12-test-consider',
      ['b12-test-consider', 'b12-prophylaxis-malabsorption'],
      ['b12-prophylaxis-malabsorption'],
    ],
    [
      '5.1.6 chain: test-recommended drops prophylaxis and test-consider together',
      ['b12-test-consider', 'b12-prophylaxis-malabsorption', 'b12-test-recommended'],
      ['b12-test-recommended'],
    ],
    [
      '5.1.7 combined-b12-folate-deficiency, severe-anaemia-urgent and b12-review-due coexist; 10.9.3 the combined card supersedes b12-deficiency-treat',
      [
        'combined-b12-folate-deficiency',
        'severe-anaemia-urgent',
        'b12-review-due',
        'b12-deficiency-treat',
      ],
      ['combined-b12-folate-deficiency', 'severe-anaemia-urgent', 'b12-review-due'],
    ],
    [
      '10.9.3 the treat card superseded by the combined card still supersedes prophylaxis (5.1.6)',
      ['combined-b12-folate-deficiency', 'b12-deficiency-treat', 'b12-prophylaxis-malabsorption'],
      ['combined-b12-folate-deficiency'],
    ],
    [
      '5.1.7 combined-b12-folate-deficiency, severe-anaemia-urgent and b12-review-due coexist with neuro-urgent and stale cards',
      [
        'combined-b12-folate-deficiency',
        'severe-anaemia-urgent',
        'b12-review-due',
        'b12-deficiency-neuro-urgent',
        'b12-low-stale-untreated',
      ],
      [
        'combined-b12-folate-deficiency',
        'severe-anaemia-urgent',
        'b12-review-due',
        'b12-deficiency-neuro-urgent',
        'b12-low-stale-untreated',
      ],
    ],
    [
      'cards that supersede nothing and are superseded by nothing are all kept (an adult not on B12)',
      ['b12-indeterminate-mma', 'mma-renal-caution', 'b12-deficiency-treat'],
      ['b12-indeterminate-mma', 'mma-renal-caution', 'b12-deficiency-treat'],
    ],
  ])('%s', (_name, emit, expected) => {
    expect(kept(emit)).toEqual(sorted(expected));
    // The order in which rules conclude does not matter.
    expect(kept([...emit].reverse())).toEqual(sorted(expected));
  });

  it('10.1.1 deceased: every card of every hook is dropped', () => {
    const dead = patient({ gender: 'female', birthDate: '1962-05-01', deceasedBoolean: true });
    for (const hook of HOOKS) {
      expect(kept(ALL_CODES, { patient: dead, resources: [], hook }), hook).toEqual([]);
    }
  });

  it('10.1.1 on B12 and deceased: b12-low-on-oral (exempt from 5.1.2) is dropped too', () => {
    const dead = patient({ gender: 'female', birthDate: '1962-05-01', deceasedBoolean: true });
    expect(
      kept(['b12-low-on-oral'], { patient: dead, resources: [hydroxocobalamin(200)] }),
    ).toEqual([]);
  });

  describe('10.8 b12-result-unreadable: only when no other card carries the data note (5.19)', () => {
    const UNREADABLE_B12 = lab('2132-9', 15, 'IU/L', { daysAgo: 3 });

    it('beside a card that reads no B12 (severe-anaemia-urgent), 5.19 is added', () => {
      expect(kept(['severe-anaemia-urgent'], { resources: [UNREADABLE_B12] })).toEqual(
        sorted(['severe-anaemia-urgent', 'b12-result-unreadable']),
      );
    });

    it('beside b12-deficiency-treat (which reads B12 and carries the note), no 5.19', () => {
      expect(kept(['b12-deficiency-treat'], { resources: [UNREADABLE_B12] })).toEqual([
        'b12-deficiency-treat',
      ]);
    });

    it('alone, 5.19 is the card', () => {
      expect(kept([], { resources: [UNREADABLE_B12] })).toEqual(['b12-result-unreadable']);
    });

    it('never on the order hooks, where folate cards carry the note', () => {
      expect(kept([], { resources: [UNREADABLE_B12], hook: 'order-sign' })).toEqual([]);
    });

    it('under 16: no 5.19 (adults only)', () => {
      expect(kept([], { patient: CHILD, resources: [UNREADABLE_B12] })).toEqual([]);
    });
  });

  it('one card per code: a code concluded twice gives one card', () => {
    expect(kept(['b12-deficiency-treat', 'b12-deficiency-treat', 'b12-review-due'])).toEqual(
      sorted(['b12-deficiency-treat', 'b12-review-due']),
    );
  });

  it.each<[HookName]>([['patient-view'], ['order-select'], ['order-sign']])(
    'on %s, a card is returned only if its catalog entry lists the hook',
    (hook) => {
      const allowed = ALL_CODES.filter((code) =>
        (CARD_CATALOG[code].hooks as readonly string[]).includes(hook),
      );
      const result = kept(ALL_CODES, { resources: [], hook });
      if (hook === 'patient-view') {
        // Precedence also applies on patient-view: compare the hook filter alone.
        expect(result.every((code) => allowed.includes(code as CardCode))).toBe(true);
      } else {
        expect(result).toEqual(sorted(allowed));
      }
    },
  );

  it('order hooks apply no patient-view precedence: under 16 and on B12, every order-safety card is kept', () => {
    const orderCodes = ALL_CODES.filter((code) =>
      (CARD_CATALOG[code].hooks as readonly string[]).includes('order-sign'),
    );
    expect(
      kept(orderCodes, { patient: CHILD, resources: [hydroxocobalamin(200)], hook: 'order-sign' }),
    ).toEqual(sorted(orderCodes));
  });

  it('severe-anaemia-urgent is returned on all three hooks', () => {
    for (const hook of HOOKS) {
      expect(kept(['severe-anaemia-urgent'], { resources: [], hook })).toEqual([
        'severe-anaemia-urgent',
      ]);
    }
  });
});
