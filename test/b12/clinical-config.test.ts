import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import type { Bundle, Observation, Patient } from 'fhir/r4.js';
import { b12Services } from '../../cds-services/index.js';
import {
  ClinicalConfigError,
  DEFAULT_CLINICAL_CONFIG,
  clinicalConfigFrom,
} from '../../cds-services/b12/clinical-config.js';
import type { ClinicalConfig } from '../../cds-services/b12/clinical-config.js';
import { testApp } from '../support/app.js';
import { cardCodes, expectB12Response } from '../support/card-checks.js';
import { freePort, startServerProcess } from '../support/server-process.js';

/**
 * The clinical settings (cds-services/b12/clinical-config.ts): the defaults are the rule book's
 * (RULES.md 2 and 4), a deployment's `CDS_CLINICAL_CONFIG` file overrides any subset, a wrong file
 * is refused — by `clinicalConfigFrom` and by the server process at start — and a changed threshold
 * really changes what the service advises.
 */

/** RULES.md 4 (thresholds) and 2.1–2.3 (windows and day counts), every key and value. */
const RULE_BOOK_DEFAULTS: ClinicalConfig = {
  thresholds: {
    b12TotalConfirmedBelow: 180,
    b12TotalUnlikelyAbove: 350,
    activeB12ConfirmedBelow: 25,
    activeB12UnlikelyAbove: 70,
    mmaDefaultUpper: 0.45,
    folateSerumLowBelow: 7,
    folateRbcLowBelow: 340,
    hbAnaemiaMale: 130,
    hbAnaemiaFemale: 120,
    hbAnaemiaPregnant: 110,
    hbSevere: 80,
    hbSeverePregnant: 70,
    mcvMacrocytosisAbove: 100,
    plateletImWarnBelow: 50,
    plateletImAvoidBelow: 25,
    plateletImCriticalBelow: 10,
    egfrRenalBelow: 60,
    metforminMinDays: 120,
    acidSuppressionMinDays: 365,
    ageRiskAbove: 75,
    adultMinAge: 16,
    folicProphylacticMaxMgPerDay: 1,
    reviewDueDays: 90,
    reviewDueDaysPregnant: 30,
    // RULES.md 5.10: pancytopenia when platelets < 150.
    pancytopeniaPlateletsBelow: 150,
  },
  // RULES.md 2.2 "Windows": B12/active B12, MMA, folate, eGFR 365 d; Hb/MCV 90 d; platelets 30 d.
  // Homocysteine, creatinine and potassium have no rule; they share the chemistry year.
  lookbackDays: {
    totalB12: 365,
    activeB12: 365,
    methylmalonicAcid: 365,
    serumFolate: 365,
    redCellFolate: 365,
    egfr: 365,
    haemoglobin: 90,
    mcv: 90,
    platelets: 30,
    homocysteine: 365,
    creatinine: 365,
    potassium: 365,
  },
  staleB12MaxDays: 1825,
  pendingTestDays: 90,
  postInjectionDays: 14,
  // RULES.md 2.2(b): a past course with no known end covers 90 days after its start.
  b12CourseWithoutEndDays: 90,
  drugChainGapDays: 180,
  // RULES.md 2.1: a pregnancy status observation counts for 300 days.
  pregnancyStatusDays: 300,
  localCodes: [],
  // Issue 12 item 4: no site recognisers unless the site adds them.
  recognisers: [],
  // Issue 18: every card active unless the site makes it silent or switches it off.
  cards: {},
};

/** The error `clinicalConfigFrom` throws for `overrides`, or fails the test if it accepts them. */
function refusal(overrides: unknown): ClinicalConfigError {
  try {
    clinicalConfigFrom(overrides);
  } catch (error) {
    expect(error).toBeInstanceOf(ClinicalConfigError);
    return error as ClinicalConfigError;
  }
  throw new Error(`accepted ${JSON.stringify(overrides)}`);
}

describe('clinicalConfigFrom: the defaults are the rule book’s (RULES.md 4)', () => {
  it('no overrides ({}) gives every key and value of RULES.md 4 and 2, and nothing else', () => {
    expect(clinicalConfigFrom({})).toEqual(RULE_BOOK_DEFAULTS);
  });

  it('DEFAULT_CLINICAL_CONFIG (used when CDS_CLINICAL_CONFIG is unset) is the same', () => {
    expect(DEFAULT_CLINICAL_CONFIG).toEqual(RULE_BOOK_DEFAULTS);
  });

  it.each(Object.entries(RULE_BOOK_DEFAULTS.thresholds))(
    'threshold %s defaults to %d',
    (key, value) => {
      expect(clinicalConfigFrom({}).thresholds).toHaveProperty(key, value);
    },
  );
});

describe('clinicalConfigFrom: partial overrides merge with the defaults', () => {
  it('one threshold changes that threshold only', () => {
    const config = clinicalConfigFrom({ thresholds: { b12TotalConfirmedBelow: 200 } });
    expect(config).toEqual({
      ...RULE_BOOK_DEFAULTS,
      thresholds: { ...RULE_BOOK_DEFAULTS.thresholds, b12TotalConfirmedBelow: 200 },
    });
  });

  it('card modes: the cards named change, every other card stays active', () => {
    const config = clinicalConfigFrom({
      cards: { 'b12-test-consider': 'silent', 'hypokalaemia-monitoring': 'off' },
    });
    expect(config).toEqual({
      ...RULE_BOOK_DEFAULTS,
      cards: { 'b12-test-consider': 'silent', 'hypokalaemia-monitoring': 'off' },
    });
  });

  it('one lookback window changes that window only', () => {
    const config = clinicalConfigFrom({ lookbackDays: { platelets: 14 } });
    expect(config).toEqual({
      ...RULE_BOOK_DEFAULTS,
      lookbackDays: { ...RULE_BOOK_DEFAULTS.lookbackDays, platelets: 14 },
    });
  });

  it('top-level day counts, thresholds, windows and local codes combine', () => {
    const localCodes = [
      { system: 'urn:oid:2.16.840.1.113883.3.1', code: 'B12S', analyte: 'totalB12' },
    ];
    const config = clinicalConfigFrom({
      staleB12MaxDays: 1000,
      postInjectionDays: 21,
      thresholds: { mmaDefaultUpper: 0.4, plateletImWarnBelow: 60 },
      lookbackDays: { totalB12: 180 },
      localCodes,
    });
    expect(config).toEqual({
      ...RULE_BOOK_DEFAULTS,
      staleB12MaxDays: 1000,
      postInjectionDays: 21,
      thresholds: {
        ...RULE_BOOK_DEFAULTS.thresholds,
        mmaDefaultUpper: 0.4,
        plateletImWarnBelow: 60,
      },
      lookbackDays: { ...RULE_BOOK_DEFAULTS.lookbackDays, totalB12: 180 },
      localCodes,
    });
  });

  it('site recognisers replace the (empty) default list, kept as written', () => {
    const recognisers = [
      {
        name: 'Epic flowsheet row: POC Hb',
        fhirpath:
          "code.coding.where(system='urn:oid:1.2.840.114350.1.13.0.1.7.2.707679' and code='3040104330').exists()",
        means: { analyte: 'haemoglobin' },
      },
      {
        fhirpath:
          "medication.ofType(CodeableConcept).coding.where(system='urn:oid:1.2.840.114350.1.13.0.1.7.2.698288' and code='10379').exists()",
        means: { ingredient: 'metformin' },
        resourceTypes: ['MedicationRequest', 'MedicationStatement'],
      },
    ];
    expect(clinicalConfigFrom({ recognisers, lookbackDays: { mcv: 60 } })).toEqual({
      ...RULE_BOOK_DEFAULTS,
      lookbackDays: { ...RULE_BOOK_DEFAULTS.lookbackDays, mcv: 60 },
      recognisers,
    });
  });

  it('never changes the shared defaults it merges into', () => {
    clinicalConfigFrom({ thresholds: { hbSevere: 70 }, lookbackDays: { mcv: 30 } });
    expect(DEFAULT_CLINICAL_CONFIG).toEqual(RULE_BOOK_DEFAULTS);
  });
});

describe('clinicalConfigFrom: a wrong file is refused with a ClinicalConfigError naming the problem', () => {
  it.each<[string, unknown, RegExp]>([
    ['an unknown top-level key', { thresholdz: {} }, /thresholdz/],
    [
      'an unknown threshold (typo)',
      { thresholds: { b12TotalConfirmedBellow: 200 } },
      /b12TotalConfirmedBellow/,
    ],
    ['an unknown lookback analyte', { lookbackDays: { b12: 100 } }, /b12/],
    [
      'a card mode for an unknown card code, naming it',
      { cards: { 'b12-test-recomended': 'silent' } },
      /b12-test-recomended/,
    ],
    [
      'an unknown card mode, naming the card',
      { cards: { 'b12-test-recommended': 'quiet' } },
      /cards\["b12-test-recommended"\]/,
    ],
    [
      'an unknown key in a local code',
      { localCodes: [{ system: 'urn:x', code: 'B', analyte: 'totalB12', unit: 'ng/L' }] },
      /unit/,
    ],
    [
      'a local code for an unknown analyte',
      { localCodes: [{ system: 'urn:x', code: 'B', analyte: 'b12' }] },
      /analyte/,
    ],
    [
      'a recogniser whose expression does not compile, naming the expression and its index',
      {
        recognisers: [
          { fhirpath: "code.coding.where(code='B12S').exists()", means: { analyte: 'totalB12' } },
          { fhirpath: "code.coding.where(code='HGB'", means: { analyte: 'haemoglobin' } },
        ],
      },
      /recognisers\[1\] "code\.coding\.where\(code='HGB'": does not compile/,
    ],
    [
      'a recogniser meaning an unknown analyte',
      { recognisers: [{ fhirpath: "code.text = 'B12'", means: { analyte: 'b12' } }] },
      /unknown analyte "b12"/,
    ],
    [
      'a recogniser meaning an unknown ingredient',
      {
        recognisers: [
          { fhirpath: "code.text = 'Glucophage'", means: { ingredient: 'glucophage' } },
        ],
      },
      /unknown ingredient "glucophage"/,
    ],
    [
      'a recogniser meaning an unknown condition set',
      { recognisers: [{ fhirpath: "code.text = 'Tingling'", means: { condition: 'tingling' } }] },
      /unknown condition "tingling"/,
    ],
    [
      'an unknown key in a recogniser',
      {
        recognisers: [
          { fhirpath: "code.text = 'B12'", means: { analyte: 'totalB12' }, expression: 'x' },
        ],
      },
      /expression/,
    ],
  ])('rejects %s', (_name, overrides, message) => {
    expect(refusal(overrides).message).toMatch(message);
  });

  it.each<[string, unknown]>([
    ['a zero threshold', { thresholds: { hbSevere: 0 } }],
    ['a negative threshold', { thresholds: { egfrRenalBelow: -60 } }],
    ['a zero MMA upper limit', { thresholds: { mmaDefaultUpper: 0 } }],
    ['a zero lookback', { lookbackDays: { totalB12: 0 } }],
    ['a negative lookback', { lookbackDays: { platelets: -30 } }],
    ['a zero day count', { postInjectionDays: 0 }],
    ['a negative day count', { staleB12MaxDays: -1 }],
    ['a fractional day count', { drugChainGapDays: 180.5 }],
    ['a threshold given as text', { thresholds: { hbSevere: '80' } }],
  ])('rejects %s (non-positive or non-numeric)', (_name, overrides) => {
    refusal(overrides);
  });

  it.each<[string, unknown, RegExp]>([
    [
      'total B12 confirmed-below above unlikely-above',
      { thresholds: { b12TotalConfirmedBelow: 400 } },
      /b12TotalConfirmedBelow/,
    ],
    [
      'active B12 confirmed-below above unlikely-above',
      { thresholds: { activeB12UnlikelyAbove: 20 } },
      /activeB12ConfirmedBelow/,
    ],
    [
      'platelet critical tier above the avoid tier',
      { thresholds: { plateletImCriticalBelow: 30 } },
      /platelet/,
    ],
    [
      'platelet avoid tier above the warn tier',
      { thresholds: { plateletImAvoidBelow: 60 } },
      /platelet/,
    ],
    ['severe anaemia above the anaemia threshold', { thresholds: { hbSevere: 125 } }, /severe/],
    [
      'severe anaemia in pregnancy above the pregnancy anaemia threshold',
      { thresholds: { hbSeverePregnant: 115 } },
      /severe/,
    ],
  ])('rejects inconsistent tiers: %s', (_name, overrides, message) => {
    expect(refusal(overrides).message).toMatch(message);
  });

  it.each<[string, unknown]>([
    ['null', null],
    ['an array', []],
    ['a string', 'thresholds'],
  ])('rejects %s instead of an object', (_name, overrides) => {
    refusal(overrides);
  });
});

// ---------------------------------------------------------------------------------------------
// Through the real app

const PATIENT_ID = 'pat-cfg-1';

const patient: Patient = {
  resourceType: 'Patient',
  id: PATIENT_ID,
  name: [{ family: 'Okafor', given: ['Grace'] }],
  gender: 'female',
  birthDate: '1969-04-12',
};

/** Total B12 190 ng/L, 10 days before 2026-11-21: indeterminate by default (180–350). */
const b12: Observation = {
  resourceType: 'Observation',
  id: 'obs-b12-190',
  status: 'final',
  category: [
    {
      coding: [
        {
          system: 'http://terminology.hl7.org/CodeSystem/observation-category',
          code: 'laboratory',
        },
      ],
    },
  ],
  code: {
    coding: [
      {
        system: 'http://loinc.org',
        code: '2132-9',
        display: 'Cobalamin (Vitamin B12) [Mass/volume] in Serum or Plasma',
      },
    ],
  },
  subject: { reference: `Patient/${PATIENT_ID}` },
  effectiveDateTime: '2026-11-11',
  valueQuantity: { value: 190, unit: 'ng/L', system: 'http://unitsofmeasure.org', code: 'ng/L' },
};

const labs: Bundle = {
  resourceType: 'Bundle',
  type: 'searchset',
  total: 1,
  entry: [{ resource: b12, search: { mode: 'match' } }],
};

const patientView = (): Record<string, unknown> => ({
  hook: 'patient-view',
  hookInstance: '1f0b8a62-3c57-4d0e-9f5b-6a1c2e7d9b40',
  context: { userId: 'Practitioner/gp-0042', patientId: PATIENT_ID },
  // Every prefetch key the services declare; those this test has no data for are null.
  prefetch: structuredClone({
    patient,
    labs,
    meds: null,
    conditions: null,
    procedures: null,
    medStatements: null,
  }),
});

async function cardsWith(config: ClinicalConfig): Promise<string[]> {
  const body = patientView();
  const res = await request(testApp({ services: b12Services(config) }).app)
    .post('/cds-services/b12-patient-view')
    .send(body);
  expect(res.status, res.text).toBe(200);
  expectB12Response(res.body, body);
  return cardCodes(res.body);
}

describe('a changed threshold changes the decision, through the real app', () => {
  it('by default a total B12 of 190 ng/L is indeterminate: b12-indeterminate-mma, no b12-deficiency-treat', async () => {
    const codes = await cardsWith(DEFAULT_CLINICAL_CONFIG);
    expect(codes).toContain('b12-indeterminate-mma');
    expect(codes).not.toContain('b12-deficiency-treat');
  });

  it('with b12TotalConfirmedBelow 200 the same 190 ng/L is confirmed: b12-deficiency-treat, no b12-indeterminate-mma', async () => {
    const codes = await cardsWith(
      clinicalConfigFrom({ thresholds: { b12TotalConfirmedBelow: 200 } }),
    );
    expect(codes).toContain('b12-deficiency-treat');
    expect(codes).not.toContain('b12-indeterminate-mma');
  });

  it('with a 5-day B12 lookback the 10-day-old result is not recent: no indeterminate or treatment card', async () => {
    const codes = await cardsWith(clinicalConfigFrom({ lookbackDays: { totalB12: 5 } }));
    expect(codes).not.toContain('b12-indeterminate-mma');
    expect(codes).not.toContain('b12-deficiency-treat');
  });
});

// ---------------------------------------------------------------------------------------------
// The server process and CDS_CLINICAL_CONFIG

describe('the server process reads CDS_CLINICAL_CONFIG at start', () => {
  const dir = mkdtempSync(join(tmpdir(), 'b12-clinical-config-'));
  const file = (name: string, content: string): string => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it.each<[string, () => string]>([
    ['a file that is not JSON', () => file('broken.json', '{ "thresholds": ')],
    ['an unknown key', () => file('typo.json', JSON.stringify({ thresholds: { hbSevre: 80 } }))],
    [
      'a non-positive threshold',
      () => file('zero.json', JSON.stringify({ thresholds: { hbSevere: 0 } })),
    ],
    [
      'inconsistent platelet tiers',
      () => file('tiers.json', JSON.stringify({ thresholds: { plateletImCriticalBelow: 40 } })),
    ],
    ['a file that does not exist', () => join(dir, 'missing.json')],
  ])(
    'exits with code 1 and names CDS_CLINICAL_CONFIG on stderr for %s',
    async (_name, path) => {
      const server = startServerProcess({
        PORT: '0',
        HOST: '127.0.0.1',
        NODE_ENV: 'development',
        CDS_AUTH: 'off',
        CDS_CLINICAL_CONFIG: path(),
      });
      try {
        const { code } = await server.exit;
        expect(code).toBe(1);
        expect(server.stderr()).toContain('CDS_CLINICAL_CONFIG');
        expect(server.stdout()).not.toContain('"msg":"listening"');
      } finally {
        server.kill('SIGKILL');
      }
    },
    60_000,
  );

  it('exits with code 1 and names the recogniser whose FHIRPath does not compile', async () => {
    const expression =
      "code.coding.where(system='urn:oid:1.2.840.114350.1.13.0.1.7.2.768282' and code='1558'";
    const server = startServerProcess({
      PORT: '0',
      HOST: '127.0.0.1',
      NODE_ENV: 'development',
      CDS_AUTH: 'off',
      CDS_CLINICAL_CONFIG: file(
        'recogniser.json',
        JSON.stringify({
          recognisers: [{ fhirpath: expression, means: { analyte: 'haemoglobin' } }],
        }),
      ),
    });
    try {
      const { code } = await server.exit;
      expect(code).toBe(1);
      expect(server.stderr()).toContain('CDS_CLINICAL_CONFIG');
      expect(server.stderr()).toContain('recognisers[0]');
      expect(server.stderr()).toContain(JSON.stringify(expression));
      expect(server.stdout()).not.toContain('"msg":"listening"');
    } finally {
      server.kill('SIGKILL');
    }
  }, 60_000);

  it('with a good file it starts, answers discovery, and applies the file (190 ng/L confirmed with b12TotalConfirmedBelow 200)', async () => {
    const port = await freePort();
    const server = startServerProcess({
      PORT: String(port),
      HOST: '127.0.0.1',
      NODE_ENV: 'development',
      CDS_AUTH: 'off',
      LOG_LEVEL: 'info',
      CDS_CLINICAL_CONFIG: file(
        'good.json',
        JSON.stringify({
          thresholds: { b12TotalConfirmedBelow: 200 },
          lookbackDays: { platelets: 14 },
        }),
      ),
    });
    try {
      await server.waitFor('"msg":"listening"');
      const discovery = await fetch(`http://127.0.0.1:${port}/cds-services`);
      expect(discovery.status).toBe(200);
      const services = ((await discovery.json()) as { services: { id: string }[] }).services;
      expect(services.map((service) => service.id).sort()).toEqual([
        'b12-order-select',
        'b12-order-sign',
        'b12-patient-view',
      ]);

      // The service runs on the real clock: date the B12 result 10 days before the real today.
      const body = patientView();
      const tenDaysAgo = new Date(Date.now() - 10 * 86_400_000).toISOString().slice(0, 10);
      const prefetch = body.prefetch as { labs: Bundle<Observation> };
      const entry = prefetch.labs.entry?.[0];
      if (entry?.resource) entry.resource.effectiveDateTime = tenDaysAgo;
      const res = await fetch(`http://127.0.0.1:${port}/cds-services/b12-patient-view`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(200);
      const answer: unknown = await res.json();
      expectB12Response(answer, body);
      expect(cardCodes(answer)).toContain('b12-deficiency-treat');
    } finally {
      server.kill('SIGTERM');
      await server.exit;
    }
  }, 60_000);
});
