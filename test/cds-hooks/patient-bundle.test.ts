import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { B12_PREFETCH, PREFETCH_RESOURCE_TYPES } from '../../cds-services/b12/index.js';
import { parseHookRequest } from '../../src/cds-hooks/hook-request.js';
import { requestFromJson } from '../../src/cds-hooks/patient-bundle.js';
import type { HookRequestBody } from '../../src/cds-hooks/request-body.js';

/** Requests the CLI and the demo page read from a file or pasted text (patient-bundle.ts). */

const source = JSON.parse(
  readFileSync('fixtures/cards/folate-order-b12-untreated.json', 'utf8'),
) as HookRequestBody;
const fromJson = (value: unknown): HookRequestBody =>
  requestFromJson(value, PREFETCH_RESOURCE_TYPES);

describe('requestFromJson: a hook request, or a patient Bundle made into one', () => {
  const prefetch = source.prefetch as Record<string, { entry?: { resource: unknown }[] } | null>;
  const resources = [
    prefetch.patient,
    ...Object.values(prefetch).flatMap(
      (value) => value?.entry?.map((entry) => entry.resource) ?? [],
    ),
  ];

  it('takes a hook request as it is', () => {
    expect(fromJson(source)).toBe(source);
  });

  it('fills the prefetch keys from a Bundle of one patient’s resources', () => {
    const request = fromJson({
      resourceType: 'Bundle',
      type: 'collection',
      entry: resources.map((resource) => ({ resource })),
    });
    expect(request.hook).toBe('patient-view');
    expect(request.context.patientId).toBe(source.context.patientId);
    expect(Object.keys(request.prefetch ?? {})).toEqual(Object.keys(B12_PREFETCH));
    expect(() => parseHookRequest('patient-view', request)).not.toThrow();
  });

  it.each<[string, unknown, RegExp]>([
    ['not an object', [1], /JSON object/],
    ['no patientId', { hook: 'patient-view', hookInstance: 'x', context: {} }, /patientId/],
    ['a Bundle without a Patient', { resourceType: 'Bundle', entry: [] }, /exactly one Patient/],
    [
      'a Bundle with two Patients',
      {
        resourceType: 'Bundle',
        entry: [
          { resource: { resourceType: 'Patient', id: 'a' } },
          { resource: { resourceType: 'Patient', id: 'b' } },
        ],
      },
      /found 2/,
    ],
    [
      'a Bundle whose Patient has no id',
      { resourceType: 'Bundle', entry: [{ resource: { resourceType: 'Patient' } }] },
      /Patient has no id/,
    ],
  ])('refuses %s with a clear message', (_name, value, message) => {
    expect(() => fromJson(value)).toThrow(message);
  });
});
