import { describe, expect, it } from 'vitest';
import { parseHookRequest } from '../../src/cds-hooks/hook-request.js';
import { OperationOutcomeError } from '../../src/fhir/operation-outcome.js';
import { patientViewBody } from '../support/hook-calls.js';
import type { JsonObject } from '../support/hook-calls.js';

/** A request body validated as a call of its hook (the prefetch outside zod: issue 17). */

function problemsOf(body: unknown): { expression: string | undefined; code: string }[] {
  try {
    parseHookRequest('patient-view', body);
  } catch (error) {
    if (!(error instanceof OperationOutcomeError)) throw error;
    expect(error.status).toBe(400);
    return error.issues.map((issue) => ({ expression: issue.expression, code: issue.code }));
  }
  throw new Error('expected a 400');
}

describe('parseHookRequest', () => {
  it('passes the prefetch on as received: the same object and resources, never a copy', () => {
    const body = patientViewBody();
    const request = parseHookRequest('patient-view', body);
    expect(request.prefetch).toBe(body.prefetch);
    expect(request.prefetch?.patient).toBe((body.prefetch as JsonObject).patient);
  });

  it('accepts null prefetch values (no data) and an absent prefetch', () => {
    const body = patientViewBody();
    (body.prefetch as JsonObject).labs = null;
    expect(parseHookRequest('patient-view', body).prefetch?.labs).toBeNull();
    delete body.prefetch;
    expect(parseHookRequest('patient-view', body).prefetch).toBeUndefined();
  });

  it.each<[string, unknown, { expression: string; code: string }[]]>([
    ['a prefetch that is not an object', ['x'], [{ expression: 'prefetch', code: 'invalid' }]],
    [
      'a prefetch value that is not a resource',
      { patient: 'Patient/1' },
      [{ expression: 'prefetch.patient', code: 'invalid' }],
    ],
    [
      'a Bundle entry without a resource type',
      { labs: { resourceType: 'Bundle', entry: [{ resource: { id: 'o1' } }] } },
      [{ expression: 'prefetch.labs.entry.0.resource.resourceType', code: 'required' }],
    ],
  ])('answers 400 naming where for %s', (_name, prefetch, expected) => {
    expect(problemsOf({ ...patientViewBody(), prefetch })).toEqual(expected);
  });

  it('reports the envelope and the prefetch problems of one body together', () => {
    const body = { ...patientViewBody(), hookInstance: 'MRN 12345', prefetch: { patient: 3 } };
    expect(problemsOf(body).map((problem) => problem.expression)).toEqual([
      'hookInstance',
      'prefetch.patient',
    ]);
  });
});
