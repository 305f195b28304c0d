import { concept, epochDayOf, quantity, sct } from '../support/fhir.js';
import { describe, expect, it } from 'vitest';
import { readProblem } from '../../src/fhir/conditions.js';
import type { ProblemRecord } from '../../src/fhir/conditions.js';
import { condition, medicationRequest, observation, procedure } from './support.js';
import type { Json } from './support.js';
import { CONDITION_CLINICAL, CONDITION_VERIFICATION, SNOMED } from '../../src/fhir/systems.js';

/* RULES.md 2.4 (conditions and procedures) and the vegan-diet Observation of 7.4. */

const status = (system: string, code: string): { coding: { system: string; code: string }[] } => ({
  coding: [{ system, code }],
});

function problem(resource: Json): ProblemRecord {
  const read = readProblem(resource);
  if (!read) expect.fail(`expected a problem record for ${JSON.stringify(resource)}`);
  return read;
}

describe('Condition clinicalStatus (RULES.md 2.4)', () => {
  it.each([
    { clinicalStatus: 'active', active: true },
    { clinicalStatus: 'recurrence', active: true },
    { clinicalStatus: 'relapse', active: true },
    { clinicalStatus: 'resolved', active: false },
    { clinicalStatus: 'inactive', active: false },
    { clinicalStatus: 'remission', active: false },
  ])('clinicalStatus $clinicalStatus → active $active', ({ clinicalStatus, active }) => {
    const read = problem(condition({ clinicalStatus: status(CONDITION_CLINICAL, clinicalStatus) }));
    expect(read.active).toBe(active);
    expect(read.excluded).toBe(false);
  });

  it('an absent clinicalStatus counts as active', () => {
    expect(problem(condition()).active).toBe(true);
  });
});

describe('Condition verificationStatus (RULES.md 2.4)', () => {
  it.each([
    { verificationStatus: 'refuted', excluded: true },
    { verificationStatus: 'entered-in-error', excluded: true },
    { verificationStatus: 'unconfirmed', excluded: false },
    { verificationStatus: 'provisional', excluded: false },
    { verificationStatus: 'differential', excluded: false },
    { verificationStatus: 'confirmed', excluded: false },
  ])(
    'verificationStatus $verificationStatus → excluded $excluded',
    ({ verificationStatus, excluded }) => {
      const read = problem(
        condition({ verificationStatus: status(CONDITION_VERIFICATION, verificationStatus) }),
      );
      expect(read.excluded).toBe(excluded);
    },
  );

  it('an absent verificationStatus is not excluded', () => {
    expect(problem(condition()).excluded).toBe(false);
  });

  it('a refuted Condition is excluded even when clinically active', () => {
    const read = problem(
      condition({
        clinicalStatus: status(CONDITION_CLINICAL, 'active'),
        verificationStatus: status(CONDITION_VERIFICATION, 'refuted'),
      }),
    );
    expect(read).toMatchObject({ active: true, excluded: true });
  });

  it('a resolved but confirmed Condition is inactive and not excluded (permanent risks still count)', () => {
    const read = problem(
      condition({
        clinicalStatus: status(CONDITION_CLINICAL, 'resolved'),
        verificationStatus: status(CONDITION_VERIFICATION, 'confirmed'),
        abatementDateTime: '2020-01-01',
      }),
    );
    expect(read).toMatchObject({ active: false, excluded: false });
  });
});

describe('Condition codes, texts and day', () => {
  it('keeps every coded concept and the text and displays', () => {
    const read = problem(
      condition({
        id: 'pa',
        code: concept(
          [
            sct('84027009', 'Pernicious anemia'),
            { system: 'http://hl7.org/fhir/sid/icd-10', code: 'D51.0' },
          ],
          'Pernicious anaemia',
        ),
      }),
    );
    expect(read).toMatchObject({
      resourceType: 'Condition',
      id: 'pa',
      codes: [
        { system: SNOMED, code: '84027009' },
        { system: 'http://hl7.org/fhir/sid/icd-10', code: 'D51.0' },
      ],
      texts: ['Pernicious anaemia', 'Pernicious anemia'],
    });
  });

  it.each([
    {
      fields: { onsetDateTime: '2026-03-01T00:30:00+13:00' },
      utcDate: '2026-02-28',
      fact: 'onsetDateTime, as a UTC day',
    },
    {
      fields: { recordedDate: '2026-03-05' },
      utcDate: '2026-03-05',
      fact: 'recordedDate when there is no onset',
    },
    {
      fields: { onsetDateTime: '2026-03-01', recordedDate: '2026-03-05' },
      utcDate: '2026-03-01',
      fact: 'onsetDateTime before recordedDate',
    },
  ])('the day is $fact', ({ fields, utcDate }) => {
    expect(problem(condition(fields)).day).toBe(epochDayOf(utcDate));
  });

  it('a Condition without dates has no day', () => {
    expect(problem(condition()).day).toBeUndefined();
  });

  it('the day is onsetPeriod.start when there is no onsetDateTime, before recordedDate (RULES.md 10.1.3)', () => {
    const read = problem(
      condition({
        onsetPeriod: { start: '2026-02-10', end: '2026-03-01' },
        recordedDate: '2026-03-05',
      }),
    );
    expect(read.day).toBe(epochDayOf('2026-02-10'));
  });
});

describe('Condition abatement: when it ended (RULES.md 10.1.3)', () => {
  it.each([
    {
      fields: { abatementDateTime: '2026-10-01' },
      abated: epochDayOf('2026-10-01'),
      fact: 'abatementDateTime',
    },
    {
      fields: { abatementDateTime: '2026-10-01T23:30:00-05:00' },
      abated: epochDayOf('2026-10-02'),
      fact: 'abatementDateTime, as a UTC day',
    },
    {
      fields: { abatementPeriod: { start: '2026-09-20', end: '2026-10-01' } },
      abated: epochDayOf('2026-10-01'),
      fact: 'abatementPeriod.end',
    },
    {
      fields: { abatementString: 'delivered' },
      abated: 'undated',
      fact: 'abatementString: ended, date unknown',
    },
    {
      fields: {
        abatementAge: quantity(30, 'a'),
      },
      abated: 'undated',
      fact: 'abatementAge: ended, no day',
    },
  ] as const)('$fact', ({ fields, abated }) => {
    expect(problem(condition(fields)).abated).toBe(abated);
  });

  it('a Condition without abatement[x] has not ended', () => {
    expect(problem(condition()).abated).toBeUndefined();
  });
});

describe('Procedure (RULES.md 2.4: surgical items from completed Procedures)', () => {
  it.each([
    { status: 'completed', active: true, excluded: false },
    { status: 'not-done', active: false, excluded: true },
    { status: 'entered-in-error', active: false, excluded: true },
    { status: 'in-progress', active: false, excluded: false },
    { status: 'stopped', active: false, excluded: false },
  ] as const)(
    'status $status → active $active, excluded $excluded',
    ({ status: code, active, excluded }) => {
      expect(problem(procedure({ status: code }))).toMatchObject({
        resourceType: 'Procedure',
        active,
        excluded,
      });
    },
  );

  it('keeps the procedure code and its day from performedDateTime or performedPeriod.start', () => {
    const byDateTime = problem(procedure({ performedDateTime: '2019-05-01T22:00:00-05:00' }));
    expect(byDateTime.codes).toEqual([{ system: SNOMED, code: '53442002' }]);
    expect(byDateTime.texts).toEqual(['Gastrectomy']);
    expect(byDateTime.day).toBe(epochDayOf('2019-05-02'));
    const byPeriod = problem(
      procedure({ performedPeriod: { start: '2019-05-01', end: '2019-05-03' } }),
    );
    expect(byPeriod.day).toBe(epochDayOf('2019-05-01'));
  });
});

describe('Observation recording a finding (RULES.md 7.4 "Condition or Observation code/value")', () => {
  const VEGAN = '1255165006';
  const LOCAL = 'http://ehr.example.org/observation-codes';
  const dietObservation = (fields: Parameters<typeof observation>[0] = {}): Json =>
    observation({
      code: { coding: [{ system: LOCAL, code: 'DIET', display: 'Diet type' }] },
      valueCodeableConcept: concept([sct(VEGAN, 'Vegan diet')]),
      effectiveDateTime: '2026-06-01',
      ...fields,
    });

  it('a coded value is the finding: its codes and texts, not the question the Observation asks (RULES.md 10.2.5)', () => {
    const read = problem(dietObservation());
    expect(read.codes).toEqual([{ system: SNOMED, code: VEGAN }]);
    expect(read.texts).toEqual(['Vegan diet']);
    expect(read.day).toBe(epochDayOf('2026-06-01'));
  });

  it.each([
    { status: 'final', active: true, excluded: false },
    { status: 'amended', active: true, excluded: false },
    { status: 'corrected', active: true, excluded: false },
    { status: 'preliminary', active: false, excluded: false },
    { status: 'cancelled', active: false, excluded: true },
    { status: 'entered-in-error', active: false, excluded: true },
  ] as const)(
    'status $status → active $active, excluded $excluded',
    ({ status: code, active, excluded }) => {
      expect(problem(dietObservation({ status: code }))).toMatchObject({ active, excluded });
    },
  );

  const PARAESTHESIA = '91019004';
  const exam = (fields: Parameters<typeof observation>[0]): Json =>
    observation({
      code: concept([sct(PARAESTHESIA, 'Paresthesia')]),
      valueQuantity: undefined,
      ...fields,
    });

  it.each([
    { fields: {}, fact: 'no value' },
    { fields: { valueBoolean: true }, fact: 'valueBoolean true' },
    {
      fields: { valueCodeableConcept: concept([sct('52101004', 'Present')]) },
      fact: 'value Present (52101004)',
    },
    {
      fields: { valueCodeableConcept: concept([sct('373066001', 'Yes')]) },
      fact: 'value Yes (373066001)',
    },
  ])(
    'an Observation coded paraesthesia with $fact records paraesthesia (RULES.md 10.2.5)',
    ({ fields }) => {
      const read = problem(exam(fields));
      expect(read.codes).toEqual([{ system: SNOMED, code: PARAESTHESIA }]);
      expect(read.texts).toEqual(['Paresthesia']);
    },
  );

  it.each([
    { fields: { valueBoolean: false }, fact: 'valueBoolean false' },
    {
      fields: { valueCodeableConcept: concept([sct('2667000', 'Absent')]) },
      fact: 'value Absent (2667000)',
    },
    {
      fields: { valueCodeableConcept: concept([sct('373067005', 'No')]) },
      fact: 'value No (373067005)',
    },
    { fields: { valueQuantity: { value: 3, unit: 'score' } }, fact: 'a measured value' },
  ])(
    'an Observation coded paraesthesia with $fact records nothing (RULES.md 10.2.5)',
    ({ fields }) => {
      const read = problem(exam(fields));
      expect(read.codes).toEqual([]);
      expect(read.texts).toEqual([]);
    },
  );

  it('an Observation coded vegan diet (no value) is still read by its code', () => {
    const read = problem(
      observation({ code: concept([sct(VEGAN, 'Vegan diet')]), valueQuantity: undefined }),
    );
    expect(read.codes).toEqual([{ system: SNOMED, code: VEGAN }]);
  });
});

describe('other resources', () => {
  it('a MedicationRequest is not a problem record (undefined)', () => {
    expect(readProblem(medicationRequest())).toBeUndefined();
  });
});
