import type { MedicationRequest } from 'fhir/r4.js';
import { isOrderHook } from '../../src/cds-hooks/hooks.js';
import type { HookName } from '../../src/cds-hooks/hooks.js';
import { RequestInputError, retarget } from '../../src/cds-hooks/request-body.js';
import type { HookRequestBody } from '../../src/cds-hooks/request-body.js';
import { PRODUCTS, dosage, medicationRequest, regimens } from './orders.js';

/**
 * Draft orders a clinician may be about to sign, to try the order hooks with (the demo page,
 * `b12-cds evaluate --draft`): regimens the service itself suggests, and the cyanocobalamin
 * injection it never suggests but must recognise (RULES.md 5.14). Built from orders.ts, so a
 * draft names its product and schedule exactly as a suggestion does.
 */

const DRAFTS = {
  'folic-acid-5mg': regimens.folicAcid5,
  'hydroxocobalamin-1mg-im': regimens.load,
  'cyanocobalamin-1mg-im': (patientId: string): MedicationRequest =>
    medicationRequest(patientId, PRODUCTS.cyanocobalaminInjection, [
      dosage(1, '1000 micrograms IM once a month', 'intramuscular', 1, {
        frequency: 1,
        period: 1,
        periodUnit: 'mo',
      }),
    ]),
} as const satisfies Record<string, (patientId: string) => MedicationRequest>;

export type DraftKey = keyof typeof DRAFTS;
export const DRAFT_KEYS = Object.keys(DRAFTS) as DraftKey[];

export const isDraftKey = (value: string): value is DraftKey => Object.hasOwn(DRAFTS, value);

/** A draft MedicationRequest for `patientId`, as an EHR sends it in `context.draftOrders`. */
export function draftOrder(key: DraftKey, patientId: string, today: string): MedicationRequest {
  return { ...DRAFTS[key](patientId), id: `draft-${key}`, authoredOn: today };
}

/** How a draft is offered: its product and its schedule, as the order writes them. */
export function draftWording(key: DraftKey): { product: string; schedule: string } {
  // The patient changes neither.
  const order = DRAFTS[key]('');
  return {
    product: order.medicationCodeableConcept?.text ?? key,
    schedule: (order.dosageInstruction ?? []).map((dose) => dose.text).join(', '),
  };
}

export interface DraftChoice {
  hook: HookName;
  /** The draft order for an order hook; without one, the request's own draft orders are kept. */
  draft?: DraftKey | undefined;
  /** The date written on the draft order (YYYY-MM-DD). */
  today: string;
}

/** The request's patient sent to another hook, an order hook with the draft chosen. */
export function retargetWithDraft(
  source: HookRequestBody,
  { hook, draft, today }: DraftChoice,
): HookRequestBody {
  if (draft !== undefined) {
    return retarget(source, hook, [draftOrder(draft, source.context.patientId, today)]);
  }
  if (isOrderHook(hook) && source.context.draftOrders === undefined) {
    throw new RequestInputError(
      `${hook} needs a draft order: the request has none, so choose one of ${DRAFT_KEYS.join(', ')}`,
    );
  }
  return retarget(source, hook);
}
