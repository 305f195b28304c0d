import { describe, expect, it } from 'vitest';
import {
  DEFAULT_CLINICAL_CONFIG,
  clinicalConfigFrom,
} from '../../cds-services/b12/clinical-config.js';
import { isReadResource } from '../../cds-services/b12/patient-facts.js';
import { recognisedByName, triggeringFacts } from '../../cds-services/b12/population.js';
import { RXNORM } from '../../src/fhir/systems.js';
import {
  TODAY,
  birthDateForAge,
  concept,
  condition,
  lab,
  medicationRequest,
  patient,
  procedure,
  rx,
  sct,
  textOnly,
} from '../support/fhir.js';
import { facts } from './facts.js';

/**
 * What `b12-cds forecast` counts per patient (population.ts): the facts a card fired on, in
 * words the same for every patient, and the codes of records recognised by name; and which
 * resources the forecast may drop unread (`isReadResource`).
 */

const old = patient({ birthDate: birthDateForAge(TODAY, 80), gender: 'male' });
const omeprazole = medicationRequest(textOnly('omeprazole 20 mg capsule'), {
  startedDaysAgo: 500,
});

describe('triggeringFacts', () => {
  it('words the risk factors without the medicine names, for the cards that read them', () => {
    const of = triggeringFacts(facts([omeprazole], { patient: old }), DEFAULT_CLINICAL_CONFIG);
    expect(of('b12-test-consider')).toEqual([
      'proton pump inhibitor for over 12 months',
      'age over 75',
      'no B12 result in 12 months',
    ]);
    // The severe anaemia card reads neither risk drugs nor B12.
    expect(of('severe-anaemia-urgent')).toEqual([]);
    expect(of('no-such-card')).toEqual([]);
  });

  it('words results by the threshold they crossed: severe anaemia, low B12', () => {
    const record = facts([lab('718-7', 75, 'g/L'), lab('2132-9', 150, 'ng/L')], { patient: old });
    const of = triggeringFacts(record, DEFAULT_CLINICAL_CONFIG);
    expect(of('severe-anaemia-urgent')).toEqual(['Hb below 80 g/L']);
    expect(of('b12-deficiency-treat')).toEqual([
      'age over 75',
      'Hb below 80 g/L',
      'B12 below 180 ng/L',
    ]);
  });

  it('follows the configured thresholds', () => {
    const config = clinicalConfigFrom({ thresholds: { ageRiskAbove: 70, metforminMinDays: 90 } });
    const metformin = medicationRequest(concept([rx('861007')]), { startedDaysAgo: 100 });
    const of = triggeringFacts(facts([metformin], { patient: old }), config);
    expect(of('b12-test-consider')).toEqual([
      'metformin for over 3 months',
      'age over 70',
      'no B12 result in 12 months',
    ]);
  });
});

describe('recognisedByName', () => {
  it('gives the code the service does not list, or "no code", once each', () => {
    const unlisted = medicationRequest(concept([rx('99999999', 'metformin 500 mg tablet')]), {
      startedDaysAgo: 200,
    });
    // Two records of one code-less medicine (two ids): its "no code" is counted once.
    const again = medicationRequest(textOnly('omeprazole 40 mg capsule'), { startedDaysAgo: 600 });
    const record = facts([omeprazole, again, unlisted], { patient: old });
    expect(recognisedByName(record)).toEqual([`${RXNORM}|99999999`, 'no code']);
    expect(recognisedByName(facts([lab('718-7', 130, 'g/L')]))).toEqual([]);
  });
});

describe('isReadResource', () => {
  const read = (resource: Record<string, unknown>): boolean =>
    isReadResource(resource, DEFAULT_CLINICAL_CONFIG);

  it.each([
    ['a Patient', patient(), true],
    ['a medicine order, whatever it is', omeprazole, true],
    ['a Claim', { resourceType: 'Claim', id: 'c1' }, false],
    ['an Hb result', lab('718-7', 130, 'g/L'), true],
    ['a body height', lab('8302-2', 170, 'cm'), false],
    ['hypertension', condition(concept([sct('38341003', 'Hypertension')])), false],
    ['a gastrectomy recorded as text', condition(textOnly('Total gastrectomy')), true],
    [
      'a medication reconciliation',
      procedure(concept([sct('430193006', 'Medication reconciliation')])),
      false,
    ],
    ['a bariatric operation', procedure(textOnly('Roux-en-Y gastric bypass')), true],
  ])('%s', (_what, resource, expected) => {
    expect(read(resource as unknown as Record<string, unknown>)).toBe(expected);
  });

  it('keeps every Condition and Procedure when the site has recognisers of its own', () => {
    const config = clinicalConfigFrom({
      recognisers: [
        {
          name: 'Local gastrectomy',
          fhirpath: "code.coding.where(code='G1').exists()",
          means: { condition: 'gastrectomy' },
        },
      ],
    });
    const hypertension = condition(concept([sct('38341003', 'Hypertension')]));
    expect(isReadResource(hypertension as unknown as Record<string, unknown>, config)).toBe(true);
  });
});
