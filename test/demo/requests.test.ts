import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  DRAFT_KEYS,
  RequestInputError,
  draftOrder,
  requestFromJson,
  retarget,
} from '../../demo/requests.js';
import type { HookRequestBody } from '../../demo/requests.js';
import { B12_PREFETCH } from '../../cds-services/b12/prefetch.js';
import { hookRequestSchemas } from '../../src/cds-hooks/hook-request.js';
import { r4Problems } from '../support/fhir-r4.js';

/** Hook requests the demo page and the CLI build (demo/requests.ts). */

const source = JSON.parse(
  readFileSync('fixtures/cards/folate-order-b12-untreated.json', 'utf8'),
) as HookRequestBody;

describe('draft orders', () => {
  it.each(DRAFT_KEYS)('%s is a valid R4 draft MedicationRequest for the patient', (key) => {
    const order = draftOrder(key, 'pat-1', '2026-11-21');
    expect(r4Problems(order)).toEqual([]);
    expect(order).toMatchObject({
      status: 'draft',
      intent: 'order',
      subject: { reference: 'Patient/pat-1' },
      authoredOn: '2026-11-21',
    });
  });
});

describe('retarget: the same patient sent to another hook', () => {
  it('keeps patient, prefetch and user, with a fresh hookInstance', () => {
    const request = retarget(source, { hook: 'patient-view', today: '2026-11-21' });
    expect(request.hook).toBe('patient-view');
    expect(request.hookInstance).not.toBe(source.hookInstance);
    expect(request.prefetch).toBe(source.prefetch);
    expect(request.context.patientId).toBe(source.context.patientId);
    expect(request.context.userId).toBe(source.context.userId);
    // patient-view carries no draft orders
    expect(request.context).not.toHaveProperty('draftOrders');
    expect(request.context).not.toHaveProperty('selections');
    expect(hookRequestSchemas['patient-view'].safeParse(request).success).toBe(true);
  });

  it.each(['order-select', 'order-sign'] as const)(
    '%s carries exactly the chosen draft (order-select also selects it)',
    (hook) => {
      const request = retarget(source, {
        hook,
        draft: 'hydroxocobalamin-1mg-im',
        today: '2026-11-21',
      });
      const bundle = request.context.draftOrders as { entry: { resource: { id: string } }[] };
      expect(bundle.entry.map((entry) => entry.resource.id)).toEqual([
        'draft-hydroxocobalamin-1mg-im',
      ]);
      if (hook === 'order-select') {
        expect(request.context.selections).toEqual([
          'MedicationRequest/draft-hydroxocobalamin-1mg-im',
        ]);
      } else {
        expect(request.context).not.toHaveProperty('selections');
      }
      expect(hookRequestSchemas[hook].safeParse(request).success).toBe(true);
    },
  );

  it('keeps the request’s own draft orders and selections when no draft is chosen', () => {
    const request = retarget(source, { hook: 'order-select', today: '2026-11-21' });
    expect(request.context.draftOrders).toBe(source.context.draftOrders);
    expect(request.context.selections).toBe(source.context.selections);
    const signed = retarget(source, { hook: 'order-sign', today: '2026-11-21' });
    expect(signed.context.draftOrders).toBe(source.context.draftOrders);
    expect(signed.context).not.toHaveProperty('selections');
  });

  it('refuses an order hook without a draft for a request that has none', () => {
    const viewed = retarget(source, { hook: 'patient-view', today: '2026-11-21' });
    expect(() => retarget(viewed, { hook: 'order-sign', today: '2026-11-21' })).toThrow(
      RequestInputError,
    );
  });
});

describe('requestFromJson: a hook request, or a patient Bundle made into one', () => {
  const prefetch = source.prefetch as Record<string, { entry?: { resource: unknown }[] } | null>;
  const resources = [
    prefetch.patient,
    ...Object.values(prefetch).flatMap(
      (value) => value?.entry?.map((entry) => entry.resource) ?? [],
    ),
  ];

  it('takes a hook request as it is', () => {
    expect(requestFromJson(source)).toBe(source);
  });

  it('fills the prefetch keys from a Bundle of one patient’s resources', () => {
    const request = requestFromJson({
      resourceType: 'Bundle',
      type: 'collection',
      entry: resources.map((resource) => ({ resource })),
    });
    expect(request.hook).toBe('patient-view');
    expect(request.context.patientId).toBe(source.context.patientId);
    expect(Object.keys(request.prefetch ?? {})).toEqual(Object.keys(B12_PREFETCH));
    expect(hookRequestSchemas['patient-view'].safeParse(request).success).toBe(true);
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
    expect(() => requestFromJson(value)).toThrow(message);
  });
});
