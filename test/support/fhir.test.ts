import { r4Problems } from '../support/fhir-r4.js';
import { describe, expect, it } from 'vitest';
import type { FhirResource } from 'fhir/r4.js';
import {
  PRESENT,
  TODAY,
  absentComponent,
  ago,
  atc,
  component,
  concept,
  condition,
  draftOrder,
  examFinding,
  icd10cm,
  lab,
  localServiceRequest,
  medication,
  medicationAdministration,
  medicationRequest,
  medicationStatement,
  panel,
  patient,
  pregnancyStatus,
  procedure,
  quantity,
  rx,
  sct,
  serviceRequest,
  textOnly,
} from './fhir.js';
import { draftOrdersBundle } from './fhir.js';

/** Every factory builds valid FHIR R4: checked with the `fhir` package's R4 validator. */

const cases: [string, FhirResource][] = [
  ['patient', patient()],
  ['patient without birth date', patient({ birthDate: undefined, gender: 'unknown' })],
  ['lab', lab('2132-9', 150, 'ng/L', { daysAgo: 5, issued: `${ago(4)}T10:00:00Z` })],
  [
    'lab with comparator and human unit',
    lab('2132-9', 50, 'ng/L', { comparator: '<', code: null }),
  ],
  ['pregnancy status (SNOMED)', pregnancyStatus('pregnant', 10)],
  ['pregnancy status (LOINC answer)', pregnancyStatus('pregnant-loinc', 10, 'amended')],
  [
    'medication request with dosage and validity period',
    medicationRequest(concept([rx('310410', 'folic acid 1 MG Oral Tablet')], 'Folic acid 1 mg'), {
      dose: quantity(1, 'tablet', '{tbl}'),
      timing: { frequency: 2, period: 1, periodUnit: 'd' },
      route: concept([sct('26643006', 'Oral route')]),
      dosageText: '1 tablet by mouth twice daily',
      validityStartDaysAgo: 20,
      validityEndDaysAgo: 5,
    }),
  ],
  [
    'medication request with a contained Medication',
    medicationRequest(undefined, {
      reference: { reference: '#m1' },
      contained: [
        medication('m1', concept([atc('B03BA03')], 'Hydroxocobalamin'), [
          concept([rx('5514', 'hydroxocobalamin')]),
        ]),
      ],
    }),
  ],
  ['draft order', draftOrder(concept([rx('317106')]), { id: 'd1' })],
  [
    'medication statement',
    medicationStatement(textOnly('Omeprazole 20 mg'), { startedDaysAgo: 400, endedDaysAgo: 10 }),
  ],
  ['medication', medication('m2', concept([rx('309594')]))],
  ['condition', condition(concept([sct('84229001', 'Fatigue')]), { onsetDaysAgo: 30 })],
  [
    'condition without statuses',
    condition(textOnly('Pins and needles'), { clinical: null, verification: null }),
  ],
  [
    'resolved, refuted condition',
    condition(concept([sct('53442002')]), { clinical: 'resolved', verification: 'refuted' }),
  ],
  ['procedure', procedure(concept([sct('53442002', 'Gastrectomy')]))],
  ['deceased patient', patient({ deceasedDateTime: `${ago(3)}T14:00:00Z` })],
  ['patient with a year-only birth date', patient({ birthDate: '1950' })],
  [
    'medication statement asserted on a date',
    medicationStatement(textOnly('Metformin 500 mg'), { assertedDaysAgo: 200 }),
  ],
  [
    'medication administration',
    medicationAdministration(concept([rx('317106')]), 40, {
      route: concept([sct('78421000', 'Intramuscular route')]),
      dose: quantity(1, 'mg'),
    }),
  ],
  [
    'ended condition with a recorded date',
    condition(concept([icd10cm('Z34.90')]), { recordedDaysAgo: 400, abatedDaysAgo: 100 }),
  ],
  [
    'exam finding (present)',
    examFinding(concept([sct('91019004')]), { valueCodeableConcept: PRESENT }),
  ],
  ['exam finding (boolean)', examFinding(concept([sct('91019004')]), { valueBoolean: false })],
  [
    'full blood count panel with components',
    panel('58410-2', 'CBC panel', [
      component('718-7', 'Hemoglobin', 7.4, 'g/dL'),
      absentComponent('777-3', 'Platelets'),
    ]),
  ],
  ['service request under a local code', localServiceRequest('Vitamin B12 level')],
  ['service request', serviceRequest('2132-9')],
  [
    'draft orders bundle',
    draftOrdersBundle([draftOrder(concept([rx('310410')])), serviceRequest('2132-9')]),
  ],
  [
    'lab with an effective period and no value',
    lab(
      '718-7',
      1,
      'g/L',
      {},
      {
        effectiveDateTime: undefined,
        effectivePeriod: { start: `${TODAY}T08:00:00+13:00` },
        valueQuantity: undefined,
        dataAbsentReason: concept([
          { system: 'http://terminology.hl7.org/CodeSystem/data-absent-reason', code: 'unknown' },
        ]),
      },
    ),
  ],
];

describe('test factories build valid FHIR R4', () => {
  it.each(cases)('%s', (_name, resource) => {
    expect(r4Problems(resource)).toEqual([]);
  });

  it('the validator does catch an invalid resource', () => {
    const broken = {
      ...patient(),
      gender: 'mal',
      birthDay: '1960-01-01',
    } as unknown as FhirResource;
    expect(r4Problems(broken).length).toBeGreaterThan(1);
  });
});
