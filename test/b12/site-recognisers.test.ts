import { createRequire } from 'node:module';
import type Fhirpath from 'fhirpath';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type {
  Condition,
  Medication,
  MedicationRequest,
  MedicationStatement,
  Observation,
  Procedure,
} from 'fhir/r4.js';
import { ClinicalConfigError, clinicalConfigFrom } from '../../cds-services/b12/clinical-config.js';
import {
  SITE_INGREDIENTS,
  SITE_INGREDIENT_NAMES,
  siteRecognisers,
} from '../../cds-services/b12/site-recognisers.js';
import type {
  SiteRecogniserConfig,
  SiteRecogniserFailure,
} from '../../cds-services/b12/site-recognisers.js';

/** The fhirpath.js the service loads (its CommonJS build, on the first recogniser). */
const fhirpath = createRequire(import.meta.url)('fhirpath') as typeof Fhirpath;

/**
 * Site recognisers (cds-services/b12/site-recognisers.ts, issue 12 item 4): FHIRPath expressions
 * in the clinical configuration that say what a site's local codes mean. Compiled once at start; a
 * bad expression stops the start; a recogniser holds only where its expression gives `[true]`,
 * only on the resource types of its kind, and a failure on bad data never breaks a request.
 */

// Epic instance OIDs as they appear in real Epic FHIR data (flowsheet rows, lab components,
// the ERX medication list); the codes are this site's.
const EPIC_FLOWSHEET = 'urn:oid:1.2.840.114350.1.13.0.1.7.2.707679';
const EPIC_LAB_COMPONENT = 'urn:oid:1.2.840.114350.1.13.0.1.7.2.768282';
const EPIC_ERX = 'urn:oid:1.2.840.114350.1.13.0.1.7.2.698288';
const LOCAL_PROBLEM_LIST = 'urn:oid:1.2.840.114350.1.13.0.1.7.2.728286';

const HB_FLOWSHEET_ROW = `code.coding.where(system='${EPIC_FLOWSHEET}' and code='3040104330').exists()`;
const HB_LAB_COMPONENT = `code.coding.where(system='${EPIC_LAB_COMPONENT}' and code='1558').exists()`;
const METFORMIN_ERX = `medication.ofType(CodeableConcept).coding.where(system='${EPIC_ERX}' and code='10379').exists()`;
const TINGLING_PROBLEM = `code.coding.where(system='${LOCAL_PROBLEM_LIST}' and code='1609402').exists()`;

/** A point-of-care Hb charted in an Epic flowsheet row: no LOINC at all. */
const flowsheetHb = {
  resourceType: 'Observation',
  id: 'eXbKpDl7CC6-Yz1Nfl1Lh0m2qQ2fVZP4e5cP6qCk7DfE3',
  status: 'final',
  category: [
    {
      coding: [
        {
          system: 'http://terminology.hl7.org/CodeSystem/observation-category',
          code: 'vital-signs',
          display: 'Vital Signs',
        },
      ],
      text: 'Vital Signs',
    },
  ],
  code: {
    coding: [{ system: EPIC_FLOWSHEET, code: '3040104330', display: 'POC Hemoglobin' }],
    text: 'POC Hemoglobin',
  },
  subject: { reference: 'Patient/erXuFYUfucBZaryVksYEcMg3', display: 'Lopez, Camila Maria' },
  effectiveDateTime: '2026-10-02T09:41:00Z',
  issued: '2026-10-02T09:43:12Z',
  valueQuantity: { value: 9.8, unit: 'g/dL', system: 'http://unitsofmeasure.org', code: 'g/dL' },
} satisfies Observation;

const mcv = {
  code: { coding: [{ system: EPIC_LAB_COMPONENT, code: '1561', display: 'MCV' }] },
  valueQuantity: { value: 104, unit: 'fL' },
};
const hgb = {
  code: { coding: [{ system: EPIC_LAB_COMPONENT, code: '1558', display: 'HGB' }] },
  valueQuantity: { value: 10.2, unit: 'g/dL' },
};

/** An Epic CBC panel whose components carry only the lab's component ids. */
const cbcPanel = {
  resourceType: 'Observation',
  id: 'eCBC-4pQ8.z1vK0Hh2aZ9mYqA3',
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
    coding: [{ system: EPIC_LAB_COMPONENT, code: 'LAB1000', display: 'CBC WITHOUT DIFFERENTIAL' }],
    text: 'CBC WITHOUT DIFFERENTIAL',
  },
  subject: { reference: 'Patient/erXuFYUfucBZaryVksYEcMg3' },
  effectiveDateTime: '2026-10-01T07:15:00Z',
  issued: '2026-10-01T10:02:44Z',
  component: [hgb, mcv],
} satisfies Observation;

/** A formulary-id order: Epic's ERX list, no RxNorm coding. */
const formularyMetformin = {
  resourceType: 'MedicationRequest',
  id: 'eFoSsyWrMJ.9HEp3H-hNaMg3',
  status: 'active',
  intent: 'order',
  medicationCodeableConcept: {
    coding: [{ system: EPIC_ERX, code: '10379', display: 'GLUCOPHAGE XR 500 MG PO TB24' }],
    text: 'GLUCOPHAGE XR 500 MG PO TB24',
  },
  subject: { reference: 'Patient/erXuFYUfucBZaryVksYEcMg3' },
  authoredOn: '2025-03-14T16:20:00Z',
  dosageInstruction: [{ text: '500 mg, Oral, Daily with breakfast' }],
} satisfies MedicationRequest;

/** A problem-list entry in the site's own problem dictionary. */
const tinglingProblem = {
  resourceType: 'Condition',
  id: 'eL4pTq0x-Wv3NnZ2Qh7bUkA3',
  clinicalStatus: {
    coding: [
      { system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' },
    ],
  },
  verificationStatus: {
    coding: [
      { system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'confirmed' },
    ],
  },
  category: [
    {
      coding: [
        {
          system: 'http://terminology.hl7.org/CodeSystem/condition-category',
          code: 'problem-list-item',
        },
      ],
    },
  ],
  code: {
    coding: [{ system: LOCAL_PROBLEM_LIST, code: '1609402', display: 'Tingling of both feet' }],
    text: 'Tingling of both feet',
  },
  subject: { reference: 'Patient/erXuFYUfucBZaryVksYEcMg3' },
  recordedDate: '2026-06-11',
} satisfies Condition;

/** The configuration file's `recognisers`, through the real parser. */
const recognisersFrom = (recognisers: unknown): ReturnType<typeof siteRecognisers> =>
  siteRecognisers(clinicalConfigFrom({ recognisers }));

/** The message `clinicalConfigFrom` refuses `recognisers` with. */
function refusal(recognisers: unknown): string {
  try {
    clinicalConfigFrom({ recognisers });
  } catch (error) {
    expect(error).toBeInstanceOf(ClinicalConfigError);
    return (error as Error).message;
  }
  throw new Error(`accepted ${JSON.stringify(recognisers)}`);
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('site recognisers recognise what the site codes locally', () => {
  it('an Epic flowsheet-row Observation with only a local code is haemoglobin', () => {
    const site = recognisersFrom([
      {
        name: 'POC Hb flowsheet row',
        fhirpath: HB_FLOWSHEET_ROW,
        means: { analyte: 'haemoglobin' },
      },
    ]);
    expect(site.empty).toBe(false);
    expect(site.analyteOf(flowsheetHb)).toBe('haemoglobin');
    const otherRow = structuredClone(flowsheetHb);
    otherRow.code.coding[0] = { system: EPIC_FLOWSHEET, code: '8', display: 'Pulse' };
    expect(site.analyteOf(otherRow)).toBeUndefined();
  });

  it('a panel component coded only by the lab is haemoglobin, seen as an Observation of its own', () => {
    const onComponents = recognisersFrom([
      { fhirpath: HB_LAB_COMPONENT, means: { analyte: 'haemoglobin' } },
      // Written for whole Observations: the component, seen as one, is final like its parent.
      {
        fhirpath: `Observation.status = 'final' and Observation.code.coding.where(system='${EPIC_LAB_COMPONENT}' and code='1561').exists()`,
        means: { analyte: 'mcv' },
      },
    ]);
    expect(onComponents.analyteOf(cbcPanel)).toBeUndefined();
    expect(onComponents.analyteOf(hgb, { parent: cbcPanel })).toBe('haemoglobin');
    expect(onComponents.analyteOf(mcv, { parent: cbcPanel })).toBe('mcv');
    // The panel's own code is never the component's.
    const onPanelCode = recognisersFrom([
      {
        fhirpath: `code.coding.where(code='LAB1000').exists()`,
        means: { analyte: 'haemoglobin' },
      },
    ]);
    expect(onPanelCode.analyteOf(hgb, { parent: cbcPanel })).toBeUndefined();
  });

  it('a formulary-id MedicationRequest (Epic ERX) is metformin, with metformin’s class', () => {
    const site = recognisersFrom([
      {
        name: 'ERX 10379 Glucophage XR',
        fhirpath: METFORMIN_ERX,
        means: { ingredient: 'metformin' },
      },
    ]);
    expect(site.ingredientsOf(formularyMetformin)).toEqual([
      { name: 'metformin', class: 'metformin' },
    ]);
    const otherDrug = structuredClone(formularyMetformin);
    otherDrug.medicationCodeableConcept.coding[0] = {
      system: EPIC_ERX,
      code: '70784',
      display: 'OMEPRAZOLE 20 MG PO CPDR',
    };
    expect(site.ingredientsOf(otherDrug)).toEqual([]);
  });

  it('a formulary identifier on a Medication and a MedicationStatement are recognised too', () => {
    const site = recognisersFrom([
      {
        fhirpath: `identifier.where(system='${EPIC_ERX}' and value='10379').exists() or medication.ofType(CodeableConcept).coding.where(system='${EPIC_ERX}' and code='10379').exists()`,
        means: { ingredient: 'metformin' },
      },
    ]);
    const medication = {
      resourceType: 'Medication',
      id: 'ej-bgums0x4N6E0.QqIjJb3kGhOQ',
      identifier: [{ use: 'usual', system: EPIC_ERX, value: '10379' }],
      code: { text: 'GLUCOPHAGE XR 500 MG PO TB24' },
    } satisfies Medication;
    const statement = {
      resourceType: 'MedicationStatement',
      id: 'eMS-77Lq0',
      status: 'active',
      medicationCodeableConcept: formularyMetformin.medicationCodeableConcept,
      subject: { reference: 'Patient/erXuFYUfucBZaryVksYEcMg3' },
      effectiveDateTime: '2025-03-14',
    } satisfies MedicationStatement;
    expect(site.ingredientsOf(medication).map((found) => found.name)).toEqual(['metformin']);
    expect(site.ingredientsOf(statement).map((found) => found.name)).toEqual(['metformin']);
  });

  it('a local problem-list code is the neuro set', () => {
    const site = recognisersFrom([
      { name: 'Problem list: tingling', fhirpath: TINGLING_PROBLEM, means: { condition: 'neuro' } },
    ]);
    expect(site.conditionGroupsOf(tinglingProblem)).toEqual(['neuro']);
    const other = structuredClone(tinglingProblem);
    other.code = {
      coding: [{ system: LOCAL_PROBLEM_LIST, code: '1000001', display: 'Back pain' }],
      text: 'Back pain',
    };
    expect(site.conditionGroupsOf(other)).toEqual([]);
  });

  it('a local procedure code is the bariatric-surgery set, and several sets are each named once', () => {
    const site = recognisersFrom([
      {
        fhirpath: `code.coding.where(system='urn:oid:1.2.840.114350.1.13.0.1.7.2.696580' and code='SUR4417').exists()`,
        means: { condition: 'bariatricSurgery' },
      },
      {
        fhirpath: `code.text.lower().contains('sleeve')`,
        means: { condition: 'bariatricSurgery' },
      },
      {
        fhirpath: `code.text.lower().contains('gastrectomy')`,
        means: { condition: 'gastrectomy' },
      },
    ]);
    const sleeve = {
      resourceType: 'Procedure',
      id: 'ePr-0S1e3v',
      status: 'completed',
      code: {
        coding: [{ system: 'urn:oid:1.2.840.114350.1.13.0.1.7.2.696580', code: 'SUR4417' }],
        text: 'LAPAROSCOPIC SLEEVE GASTRECTOMY',
      },
      subject: { reference: 'Patient/erXuFYUfucBZaryVksYEcMg3' },
      performedDateTime: '2019-05-02',
    } satisfies Procedure;
    expect(site.conditionGroupsOf(sleeve)).toEqual(['bariatricSurgery', 'gastrectomy']);
  });

  it('the first analyte recogniser that holds wins', () => {
    const site = recognisersFrom([
      { fhirpath: `code.text = 'Nothing'`, means: { analyte: 'mcv' } },
      { fhirpath: HB_FLOWSHEET_ROW, means: { analyte: 'haemoglobin' } },
      { fhirpath: `code.coding.exists()`, means: { analyte: 'platelets' } },
    ]);
    expect(site.analyteOf(flowsheetHb)).toBe('haemoglobin');
  });

  it('onMatch names the recogniser that held (for data notes)', () => {
    const site = recognisersFrom([
      {
        name: 'POC Hb flowsheet row',
        fhirpath: HB_FLOWSHEET_ROW,
        means: { analyte: 'haemoglobin' },
      },
    ]);
    const onMatch = vi.fn();
    site.analyteOf(flowsheetHb, { onMatch });
    expect(onMatch).toHaveBeenCalledWith({ index: 0, name: 'POC Hb flowsheet row' });
  });

  it('every ingredient a recogniser may mean is the terminology’s ingredient, class and form', () => {
    expect(Object.keys(SITE_INGREDIENTS)).toEqual([...SITE_INGREDIENT_NAMES]);
    expect(SITE_INGREDIENTS).toMatchObject({
      metformin: { name: 'metformin', class: 'metformin' },
      omeprazole: { class: 'ppi' },
      dexlansoprazole: { class: 'ppi' },
      famotidine: { class: 'h2ra' },
      nizatidine: { class: 'h2ra' },
      'folic acid': { name: 'folic acid', class: 'folicAcid' },
      hydroxocobalamin: { class: 'b12', form: 'hydroxocobalamin' },
      cyanocobalamin: { class: 'b12', form: 'cyanocobalamin' },
      methylcobalamin: { class: 'b12', form: 'methylcobalamin' },
    });
    expect(SITE_INGREDIENTS['folic acid']).not.toHaveProperty('form');
  });

  it('reading a resource never changes it', () => {
    const site = recognisersFrom([
      { fhirpath: HB_FLOWSHEET_ROW, means: { analyte: 'haemoglobin' } },
      { fhirpath: `value.ofType(Quantity).value > 5`, means: { condition: 'symptom' } },
    ]);
    const resource = structuredClone(flowsheetHb);
    site.analyteOf(resource);
    site.conditionGroupsOf(resource);
    expect(resource).toStrictEqual(flowsheetHb);
  });
});

describe('a recogniser runs only on the resource types of its kind', () => {
  /**
   * Holds on the problem's code, and throws ("Expected single") wherever the code has two codings:
   * had it been run on the Observation below, onError would have been called.
   */
  const conditionOnly: SiteRecogniserConfig = {
    fhirpath: `code.coding.code.single() = '1609402'`,
    means: { condition: 'neuro' },
    resourceTypes: ['Condition'],
  };
  const sameCodeObservation = {
    resourceType: 'Observation',
    id: 'eObs-neuro-exam',
    status: 'final',
    code: {
      coding: [
        { system: LOCAL_PROBLEM_LIST, code: '1609402' },
        { system: EPIC_FLOWSHEET, code: '1609402' },
      ],
    },
    subject: { reference: 'Patient/erXuFYUfucBZaryVksYEcMg3' },
    effectiveDateTime: '2026-10-02',
  } satisfies Observation;

  it('a recogniser for Condition is never evaluated on an Observation', () => {
    const site = recognisersFrom([conditionOnly]);
    const onError = vi.fn();
    expect(site.conditionGroupsOf(sameCodeObservation, { onError })).toEqual([]);
    expect(onError).not.toHaveBeenCalled();
    expect(site.conditionGroupsOf(tinglingProblem, { onError })).toEqual(['neuro']);
    // The same recogniser without resourceTypes does run on Observations (and fails there).
    const everywhere = recognisersFrom([{ ...conditionOnly, resourceTypes: undefined }]);
    everywhere.conditionGroupsOf(sameCodeObservation, { onError });
    expect(onError).toHaveBeenCalledOnce();
  });

  it('analyte recognisers never run on Conditions, nor condition recognisers on medications', () => {
    const onError = vi.fn();
    const throwsEverywhere = `code.coding.code.single() = 'x' or medication.ofType(CodeableConcept).coding.code.single() = 'x'`;
    const site = recognisersFrom([
      { fhirpath: throwsEverywhere, means: { analyte: 'haemoglobin' } },
      { fhirpath: throwsEverywhere, means: { condition: 'neuro' } },
    ]);
    const twoCodings = structuredClone(tinglingProblem);
    twoCodings.code.coding.push({ system: EPIC_FLOWSHEET, code: 'x', display: 'Paresthesia' });
    const twoMedCodings = structuredClone(formularyMetformin);
    twoMedCodings.medicationCodeableConcept.coding.push({
      system: 'urn:oid:2.16.840.1.113883.6.69',
      code: '0087-6060-05',
      display: 'Glucophage XR 500 mg',
    });
    expect(site.analyteOf(twoCodings, { onError })).toBeUndefined();
    expect(site.conditionGroupsOf(twoMedCodings, { onError })).toEqual([]);
    expect(site.ingredientsOf(twoCodings, { onError })).toEqual([]);
    expect(onError).not.toHaveBeenCalled();
  });
});

describe('a recogniser that fails on bad data never breaks the request', () => {
  it('an expression that throws at run time does not throw out of analyteOf: not recognised, reported', () => {
    const site = recognisersFrom([
      {
        name: 'single coding',
        fhirpath: `code.coding.code.single() = '3040104330'`,
        means: { analyte: 'mcv' },
      },
      { fhirpath: HB_FLOWSHEET_ROW, means: { analyte: 'haemoglobin' } },
    ]);
    const twoCodings = structuredClone(flowsheetHb);
    twoCodings.code.coding.push({
      system: 'urn:oid:2.16.840.1.113883.6.12',
      code: '85018',
      display: 'Hemoglobin',
    });
    const failures: SiteRecogniserFailure[] = [];
    const onError = (failure: SiteRecogniserFailure): void => {
      failures.push(failure);
    };
    expect(() => site.analyteOf(twoCodings, { onError })).not.toThrow();
    // The failing recogniser does not hold; the next one still runs.
    expect(site.analyteOf(twoCodings)).toBe('haemoglobin');
    expect(failures).toEqual([
      {
        index: 0,
        name: 'single coding',
        resourceType: 'Observation',
        resourceId: flowsheetHb.id,
        reason: 'error',
        message: expect.stringMatching(/single/i) as unknown,
      },
    ]);
  });

  it('only exactly [true] holds: a coding or a number is not true, and is reported', () => {
    const site = recognisersFrom([
      {
        fhirpath: `code.coding.where(system='${EPIC_FLOWSHEET}')`,
        means: { analyte: 'haemoglobin' },
      },
      { fhirpath: `value.ofType(Quantity).value`, means: { analyte: 'mcv' } },
    ]);
    const onError = vi.fn();
    expect(site.analyteOf(flowsheetHb, { onError })).toBeUndefined();
    expect(onError).toHaveBeenCalledTimes(2);
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ reason: 'not-boolean' }));
  });

  it('[false] and empty results do not hold and are not failures', () => {
    const site = recognisersFrom([
      { fhirpath: `code.text = 'Hgb'`, means: { analyte: 'haemoglobin' } },
      { fhirpath: `note.text.contains('Hgb')`, means: { analyte: 'haemoglobin' } },
    ]);
    const onError = vi.fn();
    expect(site.analyteOf(flowsheetHb, { onError })).toBeUndefined();
    expect(onError).not.toHaveBeenCalled();
  });
});

describe('compiled once, at start', () => {
  it('evaluating many resources never recompiles: one compile per recogniser, at clinicalConfigFrom', () => {
    const compile = vi.spyOn(fhirpath, 'compile');
    const config = clinicalConfigFrom({
      recognisers: [
        { fhirpath: HB_FLOWSHEET_ROW, means: { analyte: 'haemoglobin' } },
        { fhirpath: METFORMIN_ERX, means: { ingredient: 'metformin' } },
        { fhirpath: TINGLING_PROBLEM, means: { condition: 'neuro' } },
      ],
    });
    expect(compile).toHaveBeenCalledTimes(3);
    for (let round = 0; round < 500; round++) {
      const site = siteRecognisers(config);
      expect(site.analyteOf(flowsheetHb)).toBe('haemoglobin');
      expect(site.ingredientsOf(formularyMetformin)).toHaveLength(1);
      expect(site.conditionGroupsOf(tinglingProblem)).toEqual(['neuro']);
    }
    expect(compile).toHaveBeenCalledTimes(3);
    expect(siteRecognisers(config)).toBe(siteRecognisers(config));
    expect(siteRecognisers({ ...config })).toBe(siteRecognisers(config));
  });

  it('a configuration built in code is compiled on first use, and a bad one throws there', () => {
    const inCode: SiteRecogniserConfig[] = [
      { fhirpath: TINGLING_PROBLEM, means: { condition: 'neuro' } },
    ];
    expect(siteRecognisers({ recognisers: inCode }).conditionGroupsOf(tinglingProblem)).toEqual([
      'neuro',
    ]);
    expect(() =>
      siteRecognisers({ recognisers: [{ fhirpath: 'code.(', means: { condition: 'neuro' } }] }),
    ).toThrow(/code\.\(/);
  });

  it('no recognisers configured: empty, and every call answers nothing', () => {
    const site = siteRecognisers(clinicalConfigFrom({}));
    expect(site.empty).toBe(true);
    expect(site.analyteOf(flowsheetHb)).toBeUndefined();
    expect(site.ingredientsOf(formularyMetformin)).toEqual([]);
    expect(site.conditionGroupsOf(tinglingProblem)).toEqual([]);
  });
});

describe('clinicalConfigFrom refuses a recogniser it cannot use, naming it', () => {
  it('an expression that does not compile: the message names the expression and its index', () => {
    const message = refusal([
      { fhirpath: HB_FLOWSHEET_ROW, means: { analyte: 'haemoglobin' } },
      {
        name: 'Epic B12 component',
        fhirpath: `code.coding.where(system='${EPIC_LAB_COMPONENT}' and code='2345'`,
        means: { analyte: 'totalB12' },
      },
    ]);
    expect(message).toContain('recognisers[1]');
    expect(message).toContain('Epic B12 component');
    expect(message).toContain(`code='2345'`);
    expect(message).toMatch(/does not compile/);
  });

  it.each<[string, unknown, RegExp]>([
    [
      'an unknown analyte',
      { fhirpath: HB_FLOWSHEET_ROW, means: { analyte: 'hemoglobin' } },
      /unknown analyte "hemoglobin".*"haemoglobin"/,
    ],
    [
      'an unknown ingredient',
      { fhirpath: METFORMIN_ERX, means: { ingredient: 'glucophage' } },
      /unknown ingredient "glucophage".*"metformin"/,
    ],
    [
      'an unknown condition set',
      { fhirpath: TINGLING_PROBLEM, means: { condition: 'paraesthesia' } },
      /unknown condition "paraesthesia".*"neuro"/,
    ],
    [
      'two meanings at once',
      { fhirpath: TINGLING_PROBLEM, means: { condition: 'neuro', analyte: 'mcv' } },
      /exactly one of/,
    ],
    ['a meaning of another kind', { fhirpath: TINGLING_PROBLEM, means: { drug: 'x' } }, /means/],
    ['no meaning', { fhirpath: TINGLING_PROBLEM }, /means/],
    ['no expression', { means: { condition: 'neuro' } }, /fhirpath/],
    ['an empty expression', { fhirpath: '  ', means: { condition: 'neuro' } }, /fhirpath/],
    [
      'an unknown key (typo)',
      { fhirpath: TINGLING_PROBLEM, means: { condition: 'neuro' }, resourceType: 'Condition' },
      /resourceType/,
    ],
    [
      'a resource type outside its kind',
      { fhirpath: TINGLING_PROBLEM, means: { condition: 'neuro' }, resourceTypes: ['Medication'] },
      /condition applies to Condition, Procedure, Observation, not Medication/,
    ],
    [
      'a terminology function',
      {
        fhirpath: `code.coding.where(memberOf('http://example.org/fhir/ValueSet/neuro')).exists()`,
        means: { condition: 'neuro' },
      },
      /memberOf\(\) needs a server/,
    ],
    [
      'resolve()',
      {
        fhirpath: `medicationReference.resolve().code.exists()`,
        means: { ingredient: 'metformin' },
      },
      /resolve\(\) needs a server/,
    ],
    [
      'an unknown %variable',
      { fhirpath: `code.coding.where(system = %epic).exists()`, means: { condition: 'neuro' } },
      /%epic is not available/,
    ],
    [
      'an unknown function',
      { fhirpath: `code.coding.isLocal()`, means: { condition: 'neuro' } },
      /fails on an empty Condition.*isLocal/,
    ],
    [
      'an expression true on an empty resource',
      { fhirpath: `code.coding.where(system = %loinc).empty()`, means: { analyte: 'mcv' } },
      /holds on an empty Observation/,
    ],
    [
      'an expression that gives a number',
      { fhirpath: `code.coding.count()`, means: { analyte: 'mcv' } },
      /not true or false/,
    ],
  ])('refuses %s', (_name, recogniser, message) => {
    expect(refusal([recogniser])).toMatch(message);
  });

  it('keeps a good list as written (name, fhirpath, means, resourceTypes)', () => {
    const recognisers = [
      { name: 'POC Hb', fhirpath: HB_FLOWSHEET_ROW, means: { analyte: 'haemoglobin' } },
      {
        fhirpath: TINGLING_PROBLEM,
        means: { condition: 'neuro' },
        resourceTypes: ['Condition'],
      },
    ];
    expect(clinicalConfigFrom({ recognisers }).recognisers).toEqual(recognisers);
  });
});
