import { epochDayOf } from '../support/fhir.js';
import { r4Problems } from '../support/fhir-r4.js';
import { describe, expect, it } from 'vitest';
import {
  condition,
  medication,
  medicationRequest,
  medicationStatement,
  observation,
  procedure,
  utcMs,
} from './support.js';

/* The fixtures are only as good as the validator that checks them: it must reject broken R4. */

describe('the FHIR R4 validator used by the fixture factories', () => {
  it.each([
    {
      fact: 'an Observation status outside the R4 value set',
      resource: { resourceType: 'Observation', status: 'bogus', code: { text: 'B12' } },
    },
    {
      fact: 'an Observation without its required code',
      resource: { resourceType: 'Observation', status: 'final' },
    },
    {
      fact: 'a misspelt element (effectiveDatetime)',
      resource: {
        resourceType: 'Observation',
        status: 'final',
        code: { text: 'B12' },
        effectiveDatetime: '2026-11-14',
      },
    },
    {
      fact: 'a quantity value given as a string',
      resource: {
        resourceType: 'Observation',
        status: 'final',
        code: { text: 'B12' },
        valueQuantity: { value: '180', unit: 'ng/L' },
      },
    },
    {
      fact: "the R5-only comparator 'ad'",
      resource: {
        resourceType: 'Observation',
        status: 'final',
        code: { text: 'B12' },
        valueQuantity: { value: 180, unit: 'ng/L', comparator: 'ad' },
      },
    },
    {
      fact: 'a MedicationRequest without intent',
      resource: {
        resourceType: 'MedicationRequest',
        status: 'active',
        subject: { reference: 'Patient/p1' },
        medicationCodeableConcept: { text: 'x' },
      },
    },
    {
      fact: 'a Condition without subject',
      resource: { resourceType: 'Condition', code: { text: 'x' } },
    },
  ])('rejects $fact', ({ resource }) => {
    expect(r4Problems(resource)).not.toEqual([]);
  });

  it.each([
    { name: 'observation', build: observation },
    { name: 'medication', build: medication },
    { name: 'medicationRequest', build: medicationRequest },
    { name: 'medicationStatement', build: medicationStatement },
    { name: 'condition', build: condition },
    { name: 'procedure', build: procedure },
  ])('the default $name fixture is valid R4', ({ build }) => {
    expect(r4Problems(build())).toEqual([]);
  });

  it('keeps the defaults the reader tests rely on, where they differ from the builder', () => {
    const b12 = observation();
    expect(b12.category).toBeUndefined();
    expect(b12.valueQuantity).toEqual({ value: 300, unit: 'ng/L' });
    expect(b12.effectiveDateTime).toBe('2026-11-14');
    const problem = condition();
    expect(problem.clinicalStatus).toBeUndefined();
    expect(problem.verificationStatus).toBeUndefined();
    expect(medicationRequest().authoredOn).toBe('2026-01-10');
    expect(medicationStatement().effectivePeriod).toEqual({ start: '2026-02-01' });
  });
});

describe('date helpers of the fixtures (independent of src/fhir)', () => {
  it('epochDayOf() counts UTC days from 1970-01-01', () => {
    expect(epochDayOf('1970-01-01')).toBe(0);
    expect(epochDayOf('1970-01-02')).toBe(1);
    expect(epochDayOf('1969-12-31')).toBe(-1);
    expect(epochDayOf('2026-11-21')).toBe(20_778);
  });

  it('utcMs() reads instants in UTC whatever the time zone', () => {
    expect(utcMs('1970-01-02T00:00:00Z')).toBe(86_400_000);
  });
});
