import { readFileSync } from 'node:fs';
import type { Bundle, Encounter, Patient } from 'fhir/r4.js';
import { describe, expect, it } from 'vitest';
import type { Card, CdsResponse } from '../../src/cds-hooks/cards.js';
import {
  PATIENTS,
  PATIENT_NAMES,
  TODAY,
  bundleFile,
  cardOf,
  codesOf,
  evaluatePatient,
  patientFactsOf,
} from './synthea-patients.js';
import type { HookChoice, PatientName } from './synthea-patients.js';

/**
 * The twelve Synthea patients (fixtures/synthea, SMART Health IT sample data) as the acceptance
 * test of RULES.md v2 section 10 ("Real EHR data"): each test is one expected behaviour of the
 * fixtures' README, evaluated as `npx b12-cds evaluate <bundle> --date <day>` does, near the
 * patient's last encounter and on 2026-12-07.
 */

const FOLIC_ACID: HookChoice = { hook: 'order-select', draft: 'folic-acid-5mg' };
const HYDROXOCOBALAMIN_IM: HookChoice = { hook: 'order-select', draft: 'hydroxocobalamin-1mg-im' };
const CYANOCOBALAMIN_IM: HookChoice = { hook: 'order-select', draft: 'cyanocobalamin-1mg-im' };
const CYANOCOBALAMIN_IM_SIGN: HookChoice = { hook: 'order-sign', draft: 'cyanocobalamin-1mg-im' };
const FOLATE_ORDER_CARDS = ['folate-order-b12-untreated', 'folate-order-b12-unknown'];
const TEST_CARDS = ['b12-test-recommended', 'b12-test-consider'];

const lastEncounter = (name: PatientName): string => PATIENTS[name].lastEncounter;

/** What a clinician reads on a card. */
const textOf = (card: Card | undefined): string => `${card?.summary ?? ''}\n${card?.detail ?? ''}`;

/** The card's first line of detail, "Evidence: …". */
const evidenceOf = (card: Card | undefined): string => card?.detail?.split('\n')[0] ?? '';

/** The LOINC codes of the ServiceRequests a suggestion would create. */
function orderedTests(card: Card | undefined, suggestion = 0): string[] {
  return (card?.suggestions?.[suggestion]?.actions ?? []).flatMap((action) =>
    action.type === 'create' && action.resource.resourceType === 'ServiceRequest'
      ? (action.resource.code?.coding ?? []).flatMap((coding) => coding.code ?? [])
      : [],
  );
}

/** The card codes for a patient on a day, for assertion messages. */
async function codes(name: PatientName, date: string, choice: HookChoice = {}): Promise<string[]> {
  return codesOf(await evaluatePatient(name, date, choice)).map(String);
}

/** The answer on every hook for a patient on a day: patient-view, then each draft order. */
async function everyHook(name: PatientName, date: string): Promise<CdsResponse[]> {
  return Promise.all(
    [{}, FOLIC_ACID, HYDROXOCOBALAMIN_IM, CYANOCOBALAMIN_IM_SIGN].map((choice) =>
      evaluatePatient(name, date, choice),
    ),
  );
}

describe('the Synthea Bundles are dated as fixtures/synthea/README.md says', () => {
  it.each(PATIENT_NAMES)('%s: last encounter and death as the table gives them', (name) => {
    const bundle = JSON.parse(readFileSync(bundleFile(name), 'utf8')) as Bundle;
    const resources = (bundle.entry ?? []).flatMap((entry) =>
      entry.resource ? [entry.resource] : [],
    );
    const encounters = resources.filter((r): r is Encounter => r.resourceType === 'Encounter');
    const starts = encounters.flatMap((encounter) => encounter.period?.start?.slice(0, 10) ?? []);
    const patient = resources.find((r): r is Patient => r.resourceType === 'Patient');
    expect(starts.sort().at(-1)).toBe(lastEncounter(name));
    const expected = PATIENTS[name];
    expect(patient?.deceasedDateTime?.slice(0, 10)).toBe(
      'died' in expected ? expected.died : undefined,
    );
  });
});

describe('deceased patients (RULES.md 10.1.1)', () => {
  it('gives no cards for a patient who died in 1981, on any hook, in 2026 (Coleman Ortiz)', async () => {
    for (const response of await everyHook('Coleman_Ortiz', TODAY)) {
      expect(response.cards, codesOf(response).join()).toEqual([]);
    }
  });

  it('two days before he died, offers a B12 test for anaemia with metformin ER since 1965 (5.2, 10.4.3)', async () => {
    const response = await evaluatePatient('Coleman_Ortiz', lastEncounter('Coleman_Ortiz'));
    const card = cardOf(response, 'b12-test-recommended');
    expect(codesOf(response)).toContain('b12-test-recommended');
    expect(card?.summary).toContain('metformin for over 4 months');
  });

  it('gives no cards on the day a patient died (1959-12-14) nor in 2026, on any hook (Emeline Hilll)', async () => {
    const responses = [
      await evaluatePatient('Emeline_Hilll', lastEncounter('Emeline_Hilll')),
      ...(await everyHook('Emeline_Hilll', TODAY)),
    ];
    for (const response of responses) expect(response.cards, codesOf(response).join()).toEqual([]);
  });

  it('gives no cards in 2026 for a patient who died in 2006 on B12 injections (Loma Johns)', async () => {
    for (const response of await everyHook('Loma_Johns', TODAY)) {
      expect(response.cards, codesOf(response).join()).toEqual([]);
    }
  });

  it('gives no cards on the day a patient died (2018-01-18) nor in 2026, even for a folic acid order (Gabriela Streich)', async () => {
    const responses = [
      await evaluatePatient('Gabriela_Streich', lastEncounter('Gabriela_Streich')),
      await evaluatePatient('Gabriela_Streich', lastEncounter('Gabriela_Streich'), FOLIC_ACID),
      ...(await everyHook('Gabriela_Streich', TODAY)),
    ];
    for (const response of responses) expect(response.cards, codesOf(response).join()).toEqual([]);
  });
});

describe('pregnancies end (RULES.md 10.1.3)', () => {
  it('is not pregnant in 2026 with a pregnancy Condition of 1959, though she was in December 1959 (Emeline Hilll)', () => {
    expect(patientFactsOf('Emeline_Hilll', '1959-12-13').patient.pregnant).toBe(true);
    expect(patientFactsOf('Emeline_Hilll', TODAY).patient.pregnant).toBe(false);
  });

  it('is pregnant in March 2021 with a pregnancy Condition of October 2020, and not in 2026 (Alix Reilly)', () => {
    expect(patientFactsOf('Alix_Reilly', lastEncounter('Alix_Reilly')).patient.pregnant).toBe(true);
    expect(patientFactsOf('Alix_Reilly', TODAY).patient.pregnant).toBe(false);
  });

  it('pregnant in March 2021, a folic acid order asks for active B12 (5.12)', async () => {
    const response = await evaluatePatient('Alix_Reilly', lastEncounter('Alix_Reilly'), FOLIC_ACID);
    const card = cardOf(response, 'folate-order-b12-unknown');
    expect(codesOf(response)).toContain('folate-order-b12-unknown');
    expect(orderedTests(card)).toEqual(['72160-5']);
  });

  it('in 2026 the same folic acid order asks for total B12, and no card calls her pregnant (5.12, 10.1.3)', async () => {
    const response = await evaluatePatient('Alix_Reilly', TODAY, FOLIC_ACID);
    const card = cardOf(response, 'folate-order-b12-unknown');
    expect(codesOf(response)).toContain('folate-order-b12-unknown');
    expect(orderedTests(card)).toEqual(['2132-9']);
    for (const each of response.cards) expect(textOf(each)).not.toMatch(/\bpregnant\b/i);
  });
});

describe('metformin ER 860975, diabetic neuropathy and anaemia (Dirk Kuhlman; RULES.md 10.4.3, 10.6)', () => {
  it('reads metformin ER 860975 as metformin, by its code: current since 2019-03-05 (10.4.3)', () => {
    const facts = patientFactsOf('Dirk_Kuhlman', lastEncounter('Dirk_Kuhlman'));
    const metformin = facts.medications.filter((fact) => fact.classes.includes('metformin'));
    expect(metformin.map((fact) => fact.status)).toEqual(['current']);
    expect(metformin[0]?.recognisedBy).not.toBe('text');
    expect(facts.exposure.metformin?.days).toBeGreaterThan(120);
  });

  it('recognises diabetic neuropathy 368581000119106 as a neurological feature by its code (10.6)', () => {
    const facts = patientFactsOf('Dirk_Kuhlman', lastEncounter('Dirk_Kuhlman'));
    const neuro = (facts.conditions.neuro ?? []).filter((item) => /neuropathy/i.test(item.name));
    expect(neuro.map((item) => item.recognisedBy)).toEqual(['code']);
  });

  it.each([lastEncounter('Dirk_Kuhlman'), TODAY])(
    'on %s offers a B12 test for the neuropathy with metformin for over 4 months, with no "recognised by its name" note (5.2)',
    async (date) => {
      const response = await evaluatePatient('Dirk_Kuhlman', date);
      const card = cardOf(response, 'b12-test-recommended');
      expect(codesOf(response)).toContain('b12-test-recommended');
      expect(card?.summary).toMatch(/neuropathy/i);
      expect(card?.summary).toContain('metformin for over 4 months');
      expect(card?.detail).toContain('Neurological features are recorded');
      expect(card?.detail).not.toMatch(/recognised by its name|by its text/);
    },
  );
});

describe("Alzheimer's disease at 83 (Adan Portillo; RULES.md 10.6)", () => {
  it("counts Alzheimer's disease 26929004 as a symptom, by its code", () => {
    const facts = patientFactsOf('Adan_Portillo', lastEncounter('Adan_Portillo'));
    const alzheimers = (facts.conditions.symptom ?? []).filter((item) =>
      /alzheimer/i.test(item.name),
    );
    expect(alzheimers.map((item) => item.recognisedBy)).toEqual(['code']);
  });

  it.each([lastEncounter('Adan_Portillo'), TODAY])(
    "on %s offers a B12 test for Alzheimer's disease with age over 75, not just 'consider' (5.2, 5.1)",
    async (date) => {
      const response = await evaluatePatient('Adan_Portillo', date);
      expect(codesOf(response)).toContain('b12-test-recommended');
      expect(codesOf(response)).not.toContain('b12-test-consider');
      const summary = cardOf(response, 'b12-test-recommended')?.summary ?? '';
      expect(summary).toMatch(/alzheimer/i);
      expect(summary).toContain('age over 75');
    },
  );
});

describe('idiopathic atrophic hypothyroidism with anaemia (David Alcantar; RULES.md 10.6)', () => {
  it('counts idiopathic atrophic hypothyroidism 83664006 as an OTHER-RISK condition, by its code', () => {
    const facts = patientFactsOf('David_Alcantar', lastEncounter('David_Alcantar'));
    expect((facts.conditions.otherRisk ?? []).map((item) => item.recognisedBy)).toContain('code');
  });

  it.each([lastEncounter('David_Alcantar'), TODAY])(
    'on %s offers a B12 test: anaemia (a symptom) with an autoimmune risk (5.2 T1)',
    async (date) => {
      const response = await evaluatePatient('David_Alcantar', date);
      expect(codesOf(response)).toContain('b12-test-recommended');
      expect(cardOf(response, 'b12-test-recommended')?.summary).toMatch(/an(a)?emia/i);
    },
  );
});

describe('B12 injections 2001499 "Vitamin B 12 5 MG/ML Injectable Solution" (RULES.md 10.4.3)', () => {
  it('reads 2001499 by its code as cyanocobalamin for intramuscular use, current B12 therapy (Loma Johns)', () => {
    const facts = patientFactsOf('Loma_Johns', lastEncounter('Loma_Johns'));
    const b12 = facts.medications.filter((fact) => fact.isB12Therapy);
    expect(b12).toHaveLength(1);
    expect(b12[0]?.recognisedBy).not.toBe('text');
    expect(b12[0]?.cobalaminForms).toEqual(['cyanocobalamin']);
    expect(b12[0]?.route).toBe('intramuscular');
    expect(facts.b12Therapy.current).toBe(true);
  });

  it('on B12 injections since May 2006 with no blood count since: review due, and no B12 test card at age 80 (5.18, 5.1) (Loma Johns)', async () => {
    const response = await evaluatePatient('Loma_Johns', lastEncounter('Loma_Johns'));
    expect(codesOf(response)).toContain('b12-review-due');
    expect(cardOf(response, 'b12-review-due')?.summary).toContain('2006-05-29');
    for (const code of TEST_CARDS) expect(codesOf(response)).not.toContain(code);
  });

  it('on B12 injections, a folic acid order gives no folate-order card (5.11, 5.12) (Loma Johns)', async () => {
    const found = await codes('Loma_Johns', lastEncounter('Loma_Johns'), FOLIC_ACID);
    for (const code of FOLATE_ORDER_CARDS) expect(found).not.toContain(code);
  });

  it.each([lastEncounter('Hiedi_Bruen'), TODAY])(
    'on %s, on B12 injections with metformin since 2001: B12 therapy, no B12 test card (Hiedi Bruen)',
    async (date) => {
      const facts = patientFactsOf('Hiedi_Bruen', date);
      expect(facts.b12Therapy.current).toBe(true);
      expect(facts.exposure.metformin?.days).toBeGreaterThan(120);
      const found = await codes('Hiedi_Bruen', date);
      for (const code of TEST_CARDS) expect(found).not.toContain(code);
    },
  );

  it.each([lastEncounter('Hiedi_Bruen'), TODAY])(
    'on %s, on B12 injections, a folic acid order gives no folate-order card (Hiedi Bruen)',
    async (date) => {
      const found = await codes('Hiedi_Bruen', date, FOLIC_ACID);
      for (const code of FOLATE_ORDER_CARDS) expect(found).not.toContain(code);
    },
  );
});

describe('Hb 6.131041727801779 g/dL (Thanh Mosciski; RULES.md 10.5.4)', () => {
  const afterLowHb = '2018-10-31';

  it('shows it as "Hb 6.131 g/dL (= 61.3 g/L)" on the severe anaemia card, every value to at most 4 significant digits', async () => {
    const response = await evaluatePatient('Thanh_Mosciski', afterLowHb);
    const evidence = evidenceOf(cardOf(response, 'severe-anaemia-urgent'));
    expect(codesOf(response)).toContain('severe-anaemia-urgent');
    expect(evidence).toContain('Hb 6.131 g/dL (= 61.3 g/L)');
    expect(evidence).not.toMatch(/\d\.\d{4,}/);
    expect(evidence).not.toMatch(/\d{5,}/);
  });

  it('with severe anaemia, an IM hydroxocobalamin order also asks for potassium (5.10, 5.15)', async () => {
    const found = await codes('Thanh_Mosciski', afterLowHb, HYDROXOCOBALAMIN_IM);
    expect(found).toContain('severe-anaemia-urgent');
    expect(found).toContain('hypokalaemia-monitoring');
  });

  it.each([lastEncounter('Thanh_Mosciski'), TODAY])(
    'on %s, with Hb back to 14.3 g/dL (2021-01-29) or no recent Hb, no severe anaemia card',
    async (date) => {
      expect(await codes('Thanh_Mosciski', date)).not.toContain('severe-anaemia-urgent');
    },
  );
});

describe('eGFR reported in mL/min (Ali Herman; RULES.md 10.3.2, 10.5.4)', () => {
  it('reads eGFR 9.853662496627035 mL/min and shows it as "eGFR 9.854 mL/min" when cyanocobalamin is ordered (5.14)', async () => {
    const response = await evaluatePatient(
      'Ali_Herman',
      lastEncounter('Ali_Herman'),
      CYANOCOBALAMIN_IM,
    );
    const evidence = evidenceOf(cardOf(response, 'cyanocobalamin-renal'));
    expect(codesOf(response)).toContain('cyanocobalamin-renal');
    expect(evidence).toContain('eGFR 9.854 mL/min');
    expect(evidence).not.toContain('9.853662496627035');
  });

  it('in 2026 that eGFR of September 2020 is over 365 days old: no renal card (2.2)', async () => {
    expect(await codes('Ali_Herman', TODAY, CYANOCOBALAMIN_IM)).not.toContain(
      'cyanocobalamin-renal',
    );
  });
});

describe('leucovorin 1803932 (RULES.md 2.3, 10.4.3)', () => {
  it.each([
    ['Gabriela_Streich', '2018-01-17'],
    ['Thanh_Mosciski', '2018-10-31'],
  ] as const)(
    'is not folic acid: %s on %s has no folic acid medication and no folic acid exposure',
    (name, date) => {
      const facts = patientFactsOf(name, date);
      expect(facts.medications.filter((fact) => fact.classes.includes('folicAcid'))).toEqual([]);
      expect(facts.exposure.folicAcid).toBeUndefined();
    },
  );
});

describe('one metformin order from 2019 still "active" (Patria Schimmel; RULES.md 2.3)', () => {
  it('on the day it was written (2019-06-25) metformin is not yet a risk factor: no card', async () => {
    expect(await codes('Patria_Schimmel', lastEncounter('Patria_Schimmel'))).toEqual([]);
  });

  it('in 2026 the active order is current: consider a B12 test for metformin for over 4 months (5.3)', async () => {
    const response = await evaluatePatient('Patria_Schimmel', TODAY);
    expect(codesOf(response)).toContain('b12-test-consider');
    expect(cardOf(response, 'b12-test-consider')?.summary).toContain('metformin for over 4 months');
  });
});
