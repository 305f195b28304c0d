import { describe, expect, it } from 'vitest';
import { fhirResourceSchema } from '../../src/fhir/client/fhir-resource.js';

/** The structural check of received FHIR resources (prefetch values, drafts, FHIR server answers). */

const problems = (value: unknown): { path: string; code: string }[] =>
  fhirResourceSchema.safeParse(value, { reportInput: true }).error?.issues.map((issue) => ({
    path: issue.path.map(String).join('.'),
    code: issue.code,
  })) ?? [];

describe('fhirResourceSchema', () => {
  it.each<[string, unknown]>([
    ['a resource of any type', { resourceType: 'Patient', id: 'p1' }],
    ['an empty Bundle', { resourceType: 'Bundle' }],
    [
      'a Bundle with entries and paging links',
      {
        resourceType: 'Bundle',
        entry: [{ resource: { resourceType: 'Observation' } }, { fullUrl: 'urn:x' }],
        link: [{ relation: 'next', url: 'https://fhir.example/Observation?page=2' }],
      },
    ],
    ['a warning OperationOutcome', { resourceType: 'OperationOutcome', issue: [{}] }],
    [
      'a nested Bundle, which is not looked into',
      { resourceType: 'Bundle', entry: [{ resource: { resourceType: 'Bundle', entry: 'x' } }] },
    ],
  ])('accepts %s', (_name, value) => {
    expect(problems(value)).toEqual([]);
  });

  it.each<[string, unknown, { path: string; code: string }[]]>([
    ['a string', 'Patient', [{ path: '', code: 'custom' }]],
    ['an array', [{ resourceType: 'Patient' }], [{ path: '', code: 'custom' }]],
    ['no resourceType', { id: 'p1' }, [{ path: 'resourceType', code: 'invalid_type' }]],
    [
      'a lower-case resourceType',
      { resourceType: 'patient' },
      [{ path: 'resourceType', code: 'custom' }],
    ],
    [
      'entries that are not an array',
      { resourceType: 'Bundle', entry: {} },
      [{ path: 'entry', code: 'custom' }],
    ],
    [
      'a null entry',
      { resourceType: 'Bundle', entry: [null] },
      [{ path: 'entry.0', code: 'custom' }],
    ],
    [
      'an entry resource without a type',
      { resourceType: 'Bundle', entry: [{ resource: { id: 'x' } }] },
      [{ path: 'entry.0.resource.resourceType', code: 'invalid_type' }],
    ],
    [
      'an entry OperationOutcome without issues',
      { resourceType: 'Bundle', entry: [{ resource: { resourceType: 'OperationOutcome' } }] },
      [{ path: 'entry.0.resource.issue', code: 'invalid_type' }],
    ],
    [
      'a paging link without a url',
      { resourceType: 'Bundle', link: [{ relation: 'next' }] },
      [{ path: 'link.0.url', code: 'invalid_type' }],
    ],
    [
      'an OperationOutcome with an empty issue list',
      { resourceType: 'OperationOutcome', issue: [] },
      [{ path: 'issue', code: 'custom' }],
    ],
    [
      'an issue whose severity is not a string',
      { resourceType: 'OperationOutcome', issue: [{ severity: 3 }] },
      [{ path: 'issue.0.severity', code: 'custom' }],
    ],
  ])('rejects %s, naming where', (_name, value, expected) => {
    expect(problems(value)).toEqual(expected);
  });

  it('passes the resource on as received, without copying it', () => {
    const bundle = { resourceType: 'Bundle', entry: [{ resource: { resourceType: 'Patient' } }] };
    const parsed = fhirResourceSchema.parse(bundle);
    expect(parsed).toBe(bundle);
  });
});
