import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DRAFT_KEYS, draftOrder, retargetWithDraft } from '../../cds-services/b12/drafts.js';
import { regimens } from '../../cds-services/b12/orders.js';
import { parseHookRequest } from '../../src/cds-hooks/hook-request.js';
import { RequestInputError } from '../../src/cds-hooks/request-body.js';
import type { HookRequestBody } from '../../src/cds-hooks/request-body.js';
import { r4Problems } from '../support/fhir-r4.js';

/** Draft orders to try the order hooks with, and requests carrying them (cds-services/b12/drafts.ts). */

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

  it('orders a regimen the service suggests as the suggestion writes it', () => {
    expect(draftOrder('hydroxocobalamin-1mg-im', 'pat-1', '2026-11-21')).toEqual({
      ...regimens.load('pat-1'),
      id: 'draft-hydroxocobalamin-1mg-im',
      authoredOn: '2026-11-21',
    });
  });
});

describe('retargetWithDraft: the same patient sent to another hook', () => {
  it('keeps patient, prefetch and user, with a fresh hookInstance', () => {
    const request = retargetWithDraft(source, { hook: 'patient-view', today: '2026-11-21' });
    expect(request.hook).toBe('patient-view');
    expect(request.hookInstance).not.toBe(source.hookInstance);
    expect(request.prefetch).toBe(source.prefetch);
    expect(request.context.patientId).toBe(source.context.patientId);
    expect(request.context.userId).toBe(source.context.userId);
    // patient-view carries no draft orders
    expect(request.context).not.toHaveProperty('draftOrders');
    expect(request.context).not.toHaveProperty('selections');
    expect(() => parseHookRequest('patient-view', request)).not.toThrow();
  });

  it.each(['order-select', 'order-sign'] as const)(
    '%s carries exactly the chosen draft (order-select also selects it)',
    (hook) => {
      const request = retargetWithDraft(source, {
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
      expect(() => parseHookRequest(hook, request)).not.toThrow();
    },
  );

  it('keeps the request’s own draft orders and selections when no draft is chosen', () => {
    const request = retargetWithDraft(source, { hook: 'order-select', today: '2026-11-21' });
    expect(request.context.draftOrders).toBe(source.context.draftOrders);
    expect(request.context.selections).toBe(source.context.selections);
    const signed = retargetWithDraft(source, { hook: 'order-sign', today: '2026-11-21' });
    expect(signed.context.draftOrders).toBe(source.context.draftOrders);
    expect(signed.context).not.toHaveProperty('selections');
  });

  it('refuses an order hook without a draft for a request that has none', () => {
    const viewed = retargetWithDraft(source, { hook: 'patient-view', today: '2026-11-21' });
    expect(() => retargetWithDraft(viewed, { hook: 'order-sign', today: '2026-11-21' })).toThrow(
      RequestInputError,
    );
  });
});
