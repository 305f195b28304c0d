import {
  ANALYTES,
  factsInputOf,
  factsOf,
  recognisedByName,
  triggeringFacts,
} from '../../../../cds-services/b12/index.js';
import type { DraftKey } from '../../../../cds-services/b12/index.js';
import { cardCode } from '../../../cds-hooks/cards.js';
import { isOrderHook } from '../../../cds-hooks/hooks.js';
import type { HookName } from '../../../cds-hooks/hooks.js';
import { Refusal, evaluateRequest, hookRequestFrom, noonOf } from '../evaluate.js';
import type { Evaluator } from '../evaluate.js';
import { ageBand } from './forecast-json.js';
import type { AgeBand } from './forecast-json.js';
import type { PatientData } from './group.js';

/**
 * One patient of a forecast, on a worker: their resources made a patient Bundle, sent to each
 * hook exactly as `b12-cds evaluate <bundle> --hook <hook> --draft <draft>` sends it (the same
 * request, the same `callService`, the same configuration), and what the tally counts of it.
 */

export interface ForecastPlan {
  hooks: readonly HookName[];
  /** The draft order of the order hooks. */
  draft: DraftKey | undefined;
  date: string;
}

export interface PatientOutcome {
  patientId: string;
  /** Why the service refused the patient on some hook; nothing else is counted then. */
  refused?: string;
  ageBand: AgeBand;
  deceased: boolean;
  /** The cards of each hook's response, with the facts each fired on. */
  cards: { hook: HookName; code: string; indicator: string; silent?: true; facts: string[] }[];
  /** Results that could not be read (`analyte: reason`), once each. */
  unusable: string[];
  /** Codes of the records recognised by name only ("no code" for none), once each. */
  byName: string[];
}

/**
 * An unusable result's reason without the value it quotes ("value '12,5' could not be read"), so
 * that reasons can be counted and a report names no patient's value.
 */
const reasonKind = (reason: string): string =>
  reason.replace(/^value .* (could not be read|is outside the plausible range)$/, 'value $1');

export async function evaluatePatient(
  patient: PatientData,
  plan: ForecastPlan,
  evaluator: Evaluator,
): Promise<PatientOutcome> {
  const label = `Patient/${patient.id}`;
  const bundle = {
    resourceType: 'Bundle',
    type: 'collection',
    entry: (JSON.parse(Buffer.from(patient.resources).toString('utf8')) as unknown[]).map(
      (resource) => ({ resource }),
    ),
  };
  const now = noonOf(plan.date);
  const outcome: PatientOutcome = {
    patientId: patient.id,
    ageBand: 'unknown',
    deceased: false,
    cards: [],
    unusable: [],
    byName: [],
  };
  let factsOfCard: ((code: string) => string[]) | undefined;
  for (const hook of plan.hooks) {
    const request = hookRequestFrom(label, bundle, {
      hook,
      draft: isOrderHook(hook) ? plan.draft : undefined,
      date: plan.date,
    });
    let evaluated;
    try {
      evaluated = await evaluateRequest(label, request, evaluator, now);
    } catch (error) {
      if (error instanceof Refusal) return { ...outcome, refused: error.reason };
      throw error;
    }
    if (factsOfCard === undefined) {
      // The facts the handler read, read again once: the call does not hand them out. The
      // record's facts are the same on every hook (only the drafts differ), so once is enough.
      const { call } = evaluated;
      const facts = factsOf(
        factsInputOf({ request: call.request, prefetch: call.resolved.data, now: call.calledAt }),
        evaluator.clinicalConfig,
      );
      factsOfCard = triggeringFacts(facts, evaluator.clinicalConfig);
      outcome.ageBand = ageBand(facts.patient.ageYears);
      outcome.deceased = facts.patient.deceased;
      outcome.byName = recognisedByName(facts);
      outcome.unusable = [
        ...new Set(
          facts.notes.flatMap(({ observation }) =>
            observation
              ? [`${ANALYTES[observation.analyte].label}: ${reasonKind(observation.reason)}`]
              : [],
          ),
        ),
      ];
    }
    const codes = new Set<string>();
    const { response, silentCards } = evaluated.evaluation;
    // Silent cards count too, marked: a committee forecasts a card before it is switched on.
    const cards = [
      ...response.cards.map((card) => ({ card, silent: false })),
      ...silentCards.map((card) => ({ card, silent: true })),
    ];
    for (const { card, silent } of cards) {
      const code = cardCode(card);
      if (codes.has(code)) continue;
      codes.add(code);
      outcome.cards.push({
        hook,
        code,
        indicator: card.indicator,
        ...(silent ? { silent: true as const } : {}),
        facts: factsOfCard(code),
      });
    }
  }
  return outcome;
}
