import { r4Problems } from '../support/fhir-r4.js';
import { describe, expect, it } from 'vitest';
import type { MedicationRequest, Observation, Patient } from 'fhir/r4.js';
import { birthDateForAge, daysBefore } from '../support/fhir.js';
import {
  loadPublicScenarios,
  parseDose,
  parseScenario,
  scenarioToFhir,
} from '../support/scenarios.js';
import type { Scenario } from '../support/scenarios.js';

/**
 * The scenario converter (test/support/scenarios.ts): every public scenario becomes valid FHIR R4,
 * no scenario field is dropped, and dates are whole UTC days before `today`.
 */

const TODAY = '2026-11-21';
const scenarios = loadPublicScenarios();

/** Whole years between two `YYYY-MM-DD` days, computed independently of the code under test. */
function age(birthDate: string, today: string): number {
  const [by, bm, bd] = birthDate.split('-').map(Number) as [number, number, number];
  const [ty, tm, td] = today.split('-').map(Number) as [number, number, number];
  return ty - by - (tm < bm || (tm === bm && td < bd) ? 1 : 0);
}

function rawScenarios(): Record<string, unknown>[] {
  return (JSON.parse(JSON.stringify(loadPublicScenarios())) as Record<string, unknown>[]).map(
    (scenario) => scenario,
  );
}

describe('public scenarios as FHIR R4', () => {
  it('loads every public scenario', () => {
    expect(scenarios.length).toBeGreaterThanOrEqual(12);
  });

  describe.each(scenarios.map((scenario) => [scenario.id, scenario] as const))(
    '%s',
    (_id, scenario) => {
      const converted = scenarioToFhir(scenario, TODAY);

      it('every resource and draft order is valid FHIR R4', () => {
        for (const resource of [...converted.resources, ...converted.draftOrders]) {
          expect(r4Problems(resource), `${resource.resourceType}/${resource.id ?? ''}`).toEqual([]);
        }
      });

      it('the patient has the scenario age on today and its sex', () => {
        const patients = converted.resources.filter(
          (resource): resource is Patient => resource.resourceType === 'Patient',
        );
        expect(patients).toHaveLength(1);
        const [patient] = patients;
        expect(patient?.id).toBe(converted.patientId);
        expect(age(patient?.birthDate ?? '', TODAY)).toBe(scenario.patient.age);
        expect(patient?.gender).toBe(scenario.patient.sex);
      });

      it('each observation keeps its LOINC code, display, status, value, unit and date', () => {
        const observations = converted.resources.filter(
          (resource): resource is Observation => resource.resourceType === 'Observation',
        );
        expect(observations).toHaveLength(scenario.observations.length);
        scenario.observations.forEach((item, index) => {
          const observation = observations[index];
          expect(observation?.status).toBe(item.status);
          expect(observation?.code.coding).toEqual([
            { system: 'http://loinc.org', code: item.loinc, display: item.display },
          ]);
          expect(observation?.valueQuantity).toMatchObject({
            value: item.value,
            unit: item.unit,
            system: 'http://unitsofmeasure.org',
          });
          expect(observation?.valueQuantity?.code).toEqual(expect.any(String));
          expect(observation?.effectiveDateTime).toBe(daysBefore(TODAY, item.daysAgo));
          expect(observation?.subject?.reference).toBe(`Patient/${converted.patientId}`);
        });
      });

      it('each medication keeps its RxNorm code, status, start and dosage', () => {
        const requests = converted.resources.filter(
          (resource): resource is MedicationRequest =>
            resource.resourceType === 'MedicationRequest',
        );
        expect(requests).toHaveLength(scenario.medications.length);
        scenario.medications.forEach((item, index) => {
          const request = requests[index];
          expect(request?.status).toBe(item.status);
          expect(request?.intent).toBe('order');
          expect(request?.medicationCodeableConcept?.coding?.[0]).toEqual({
            system: 'http://www.nlm.nih.gov/research/umls/rxnorm',
            code: item.rxnorm,
            display: item.display,
          });
          expect(request?.authoredOn).toBe(daysBefore(TODAY, item.startedDaysAgo));
          const dosage = request?.dosageInstruction?.[0];
          if (item.dose === undefined) expect(dosage?.doseAndRate).toBeUndefined();
          else expect(dosage?.doseAndRate?.[0]?.doseQuantity).toEqual(parseDose(item.dose));
          if (item.route === undefined) expect(dosage?.route).toBeUndefined();
          else expect(dosage?.route?.coding?.[0]?.system).toBe('http://snomed.info/sct');
        });
      });

      it('each condition is an active, confirmed SNOMED CT condition', () => {
        const conditions = converted.resources.filter(
          (resource) => resource.resourceType === 'Condition',
        );
        expect(conditions).toHaveLength(scenario.conditions.length);
        scenario.conditions.forEach((item, index) => {
          expect(conditions[index]).toMatchObject({
            code: {
              coding: [
                { system: 'http://snomed.info/sct', code: item.snomed, display: item.display },
              ],
            },
            clinicalStatus: { coding: [{ code: 'active' }] },
            verificationStatus: { coding: [{ code: 'confirmed' }] },
          });
        });
      });

      it('draft orders are draft MedicationRequests with ids; order-select selects them all', () => {
        expect(converted.draftOrders).toHaveLength(scenario.draftOrders.length);
        for (const draft of converted.draftOrders) {
          expect(draft).toMatchObject({ resourceType: 'MedicationRequest', status: 'draft' });
          expect(draft.id).toEqual(expect.any(String));
        }
        if (scenario.hook === 'order-select') {
          expect(converted.selections).toEqual(
            converted.draftOrders.map((draft) => `MedicationRequest/${draft.id ?? ''}`),
          );
        } else {
          expect(converted.selections).toBeUndefined();
        }
      });
    },
  );
});

describe('scenario parsing reads every field', () => {
  const base = (): Record<string, unknown> => {
    const [first] = rawScenarios();
    if (!first) throw new Error('no scenario');
    return first;
  };

  it('round-trips a parsed scenario unchanged', () => {
    for (const scenario of scenarios) {
      expect(parseScenario(JSON.parse(JSON.stringify(scenario)))).toEqual(scenario);
    }
  });

  it.each([
    [
      'top level',
      (s: Record<string, unknown>) => ({ ...s, severity: 'high' }),
      /unknown field\(s\) severity/,
    ],
    [
      'patient',
      (s: Record<string, unknown>) => ({ ...s, patient: { age: 60, sex: 'male', weightKg: 80 } }),
      /scenario\.patient: unknown field\(s\) weightKg/,
    ],
    [
      'observation',
      (s: Record<string, unknown>) => ({
        ...s,
        observations: [
          {
            loinc: '718-7',
            display: 'Hb',
            value: 1,
            unit: 'g/L',
            daysAgo: 1,
            status: 'final',
            issued: 'x',
          },
        ],
      }),
      /observations\[0\]: unknown field\(s\) issued/,
    ],
    [
      'medication',
      (s: Record<string, unknown>) => ({
        ...s,
        medications: [
          { rxnorm: '1', display: 'x', startedDaysAgo: 1, status: 'active', endedDaysAgo: 0 },
        ],
      }),
      /medications\[0\]: unknown field\(s\) endedDaysAgo/,
    ],
    [
      'condition',
      (s: Record<string, unknown>) => ({
        ...s,
        conditions: [{ snomed: '1', display: 'x', clinicalStatus: 'resolved' }],
      }),
      /conditions\[0\]: unknown field\(s\) clinicalStatus/,
    ],
    [
      'expected card',
      (s: Record<string, unknown>) => ({
        ...s,
        expected: [
          { cardKey: 'x', indicator: 'info', mustMention: [], mustNotMention: [], detail: '' },
        ],
      }),
      /expected\[0\]: unknown field\(s\) detail/,
    ],
    [
      'a wrong type',
      (s: Record<string, unknown>) => ({ ...s, hook: 'order-review' }),
      /hook: 'order-review'/,
    ],
    [
      'a missing field',
      (s: Record<string, unknown>) => ({ ...s, observations: undefined }),
      /observations/,
    ],
  ])('fails on an unknown or malformed field: %s', (_where, change, message) => {
    expect(() => parseScenario(change(base()))).toThrow(message);
  });

  const withDraft = (draft: Record<string, unknown>): Scenario =>
    parseScenario({
      ...base(),
      hook: 'order-sign',
      draftOrders: [
        {
          resourceType: 'MedicationRequest',
          status: 'draft',
          intent: 'order',
          rxnorm: '310410',
          display: 'x',
          ...draft,
        },
      ],
    });

  it.each([
    [{ dose: '1 tablet' }, /dose '1 tablet'/],
    [{ route: 'intravenous' }, /route 'intravenous'/],
    [{ frequency: 'weekly' }, /frequency 'weekly'/],
  ])('fails on a dosage it cannot express: %o', (draft, message) => {
    expect(() => scenarioToFhir(withDraft(draft), TODAY)).toThrow(message);
  });

  it('fails on a unit it has no UCUM code for', () => {
    const scenario = parseScenario({
      ...base(),
      observations: [
        { loinc: '718-7', display: 'Hb', value: 1, unit: 'mg%', daysAgo: 1, status: 'final' },
      ],
    });
    expect(() => scenarioToFhir(scenario, TODAY)).toThrow(/unit 'mg%'/);
  });
});

describe('scenario dosages', () => {
  it.each([
    ['1 mg', { value: 1, code: 'mg' }],
    ['5 mg', { value: 5, code: 'mg' }],
    ['400 micrograms', { value: 400, code: 'ug' }],
  ])('dose %s', (dose, expected) => {
    expect(parseDose(dose)).toMatchObject({ ...expected, system: 'http://unitsofmeasure.org' });
  });

  it.each([
    ['once daily', { frequency: 1, period: 1, periodUnit: 'd' }],
    ['alternate days', { frequency: 1, period: 2, periodUnit: 'd' }],
    ['3 times a week', { frequency: 3, period: 1, periodUnit: 'wk' }],
  ])('frequency %s', (frequency, repeat) => {
    const [first] = scenarios;
    if (!first) throw new Error('no scenario');
    const scenario: Scenario = {
      ...first,
      hook: 'order-sign',
      draftOrders: [
        {
          resourceType: 'MedicationRequest',
          status: 'draft',
          intent: 'order',
          rxnorm: '310410',
          display: 'folic acid 1 MG Oral Tablet',
          dose: '5 mg',
          route: 'oral',
          frequency,
        },
      ],
    };
    const [draft] = scenarioToFhir(scenario, TODAY).draftOrders as MedicationRequest[];
    expect(draft?.dosageInstruction?.[0]?.timing?.repeat).toEqual(repeat);
    expect(draft?.dosageInstruction?.[0]?.route?.coding?.[0]?.code).toBe('26643006');
  });
});

describe('birth dates', () => {
  it.each([
    ['2026-11-21', 60],
    ['2028-02-29', 16],
    ['2027-03-01', 75],
    ['2026-01-01', 0],
  ])('on %s a patient aged %i is exactly that age', (today, years) => {
    expect(age(birthDateForAge(today, years), today)).toBe(years);
  });
});
