import { cdsResponse } from '../../src/cds-hooks/cards.js';
import type { CdsResponse } from '../../src/cds-hooks/cards.js';
import type { HookName } from '../../src/cds-hooks/hooks.js';
import type { ServiceCall } from '../../src/cds-hooks/service.js';
import { utcDay } from '../../src/fhir/dates.js';
import { toCard } from './cards.js';
import type { CardSpec } from './cards.js';
import type { ClinicalConfig } from './clinical-config.js';
import { evaluate } from './evaluate.js';
import type { Advice } from './evaluate.js';
import { ruleContext } from './rule.js';
import { readPatientFacts } from './patient-facts.js';
import type { DataNote, FactsInput, PatientFacts } from './patient-facts.js';

/**
 * The three steps of the B12 advice, the one path from data to cards: {@link factsOf} reads the
 * request's resources into facts (units, codes, dates, data-quality notes), {@link adviceOf} runs
 * the hook's rules on them (today is an input), {@link cardsOf} makes each conclusion a card.
 */
export const factsOf = (input: FactsInput, config: ClinicalConfig): PatientFacts =>
  readPatientFacts(input, config);

export const adviceOf = (
  hook: HookName,
  patientId: string,
  facts: PatientFacts,
  config: ClinicalConfig,
): Advice => evaluate(ruleContext(hook, patientId, facts, config));

/** The cards, linking to their guidance pages under the service's public URL. */
export const cardsOf = (
  advice: readonly CardSpec[],
  notes: readonly DataNote[],
  publicUrl: string,
): CdsResponse => cdsResponse(advice.map((spec) => toCard(spec, notes, publicUrl)));

/** What the facts are read from in a hook call: its data, its drafts, and today (its UTC day). */
export function factsInputOf({
  request,
  prefetch,
  now,
}: Pick<ServiceCall<HookName>, 'request' | 'prefetch' | 'now'>): FactsInput {
  const context: Record<string, unknown> = request.context;
  return {
    patientId: request.context.patientId,
    today: utcDay(now),
    resources: Object.values(prefetch).flat(),
    draftOrders: context.draftOrders,
    ...(Array.isArray(context.selections)
      ? { selections: context.selections.filter((item) => typeof item === 'string') }
      : {}),
  };
}

/**
 * The B12 advice for one hook call: the request's data read into facts, the rules run for the
 * hook, and each conclusion made a card (linking to its guidance page under the call's public
 * URL). Today is the request time's UTC day.
 */
export function b12Advice<H extends HookName>(
  config: ClinicalConfig,
): (call: ServiceCall<H>) => CdsResponse {
  return ({ request, prefetch, now, report, silent, publicUrl }) => {
    const patientId = request.context.patientId;
    const facts = factsOf(factsInputOf({ request, prefetch, now }), config);
    if (facts.patient.deceased) report({ event: 'deceased_patient' });
    for (const { observation } of facts.notes) {
      if (observation) {
        report({
          event: 'unusable_observation',
          id: observation.id,
          code: `${observation.code.system}|${observation.code.code}`,
          unit: observation.unit,
          reason: observation.reason,
        });
      }
    }
    const advice = adviceOf(request.hook as HookName, patientId, facts, config);
    if (advice.silent.length > 0) silent(cardsOf(advice.silent, facts.notes, publicUrl).cards);
    return cardsOf(advice.shown, facts.notes, publicUrl);
  };
}
