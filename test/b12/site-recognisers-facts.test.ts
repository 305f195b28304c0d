import { describe, expect, it } from 'vitest';
import { clinicalConfigFrom } from '../../cds-services/b12/clinical-config.js';
import { concept, condition, lab, medicationRequest, textOnly } from '../support/fhir.js';
import { facts } from './facts.js';

/**
 * A site's recognisers reach the facts (issue 12 item 4): a locally coded result, medicine or
 * problem is read as what the site says it means, and only where no standard code matched.
 */

const EPIC_LAB = 'urn:oid:1.2.840.114350.1.13.0.1.7.2.768282';
const FORMULARY = 'urn:oid:1.2.840.114350.1.13.0.1.7.2.698288';
const PROBLEMS = 'https://terminology.example-trust.nhs.uk/problem-list';

const config = clinicalConfigFrom({
  recognisers: [
    {
      name: 'Epic haemoglobin component',
      fhirpath: `code.coding.where(system='${EPIC_LAB}' and code='1230000413').exists()`,
      means: { analyte: 'haemoglobin' },
    },
    {
      name: 'Formulary metformin',
      fhirpath: `medication.coding.where(system='${FORMULARY}' and code='4471').exists()`,
      means: { ingredient: 'metformin' },
    },
    {
      name: 'Local paraesthesia',
      fhirpath: `code.coding.where(system='${PROBLEMS}' and code='PX-117').exists()`,
      means: { condition: 'neuro' },
    },
  ],
});

const localHb = (value: number): ReturnType<typeof lab> => ({
  ...lab('718-7', value, 'g/dL'),
  code: concept([{ system: EPIC_LAB, code: '1230000413', display: 'HGB' }]),
});

describe('site recognisers in the facts (docs/configuration.md, issue 12 item 4)', () => {
  it('reads a result coded only by an Epic component id as haemoglobin, with units and dates as usual', () => {
    const read = facts([localHb(7.1)], { config });
    expect(read.latest.haemoglobin?.value).toBeCloseTo(71);
    expect(read.latest.haemoglobin?.code).toEqual({ system: EPIC_LAB, code: '1230000413' });
  });

  it('ignores the same locally coded result without the recogniser (never guessed)', () => {
    expect(facts([localHb(7.1)]).latest.haemoglobin).toBeUndefined();
  });

  it('reads a formulary-coded order as metformin, with no "recognised by name" note', () => {
    const order = medicationRequest(
      concept([{ system: FORMULARY, code: '4471', display: 'GLUCO 500 TAB' }]),
      { startedDaysAgo: 400 },
    );
    const read = facts([order], { config });
    expect(read.exposure.metformin?.days).toBe(400);
    expect(read.medications[0]?.recognisedBy).toBe('site');
    expect(read.notes).toEqual([]);
  });

  it('counts a local problem-list code as a neurological feature', () => {
    const problem = condition(
      concept([{ system: PROBLEMS, code: 'PX-117', display: 'Tingling feet' }]),
    );
    const read = facts([problem], { config });
    expect(read.conditions.neuro?.[0]?.recognisedBy).toBe('site');
  });

  it('never overrides a standard code: a SNOMED CT fatigue with a local code stays a symptom only', () => {
    const problem = condition(
      concept([
        { system: 'http://snomed.info/sct', code: '84229001', display: 'Fatigue' },
        { system: PROBLEMS, code: 'PX-117' },
      ]),
    );
    const read = facts([problem], { config });
    expect(read.conditions.symptom).toHaveLength(1);
    expect(read.conditions.neuro).toBeUndefined();
  });

  it('leaves text recognition to text when no recogniser holds', () => {
    const read = facts([condition(textOnly('Pins and needles in both feet'))], { config });
    expect(read.conditions.neuro?.[0]?.recognisedBy).toBe('text');
  });
});
