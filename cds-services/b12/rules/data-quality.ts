import { MAX_SUMMARY_LENGTH } from '../../../src/cds-hooks/cards.js';
import { isoDay } from '../../../src/fhir/dates.js';
import type { CardSpec } from '../cards.js';
import { carriesNote } from '../cards.js';
import { evidenceLine } from '../evidence.js';
import type { RuleContext } from '../rule.js';
import { ANALYTES } from '../terminology.js';

/**
 * A result the service could not read is never lost silently (RULES.md 2.2, 10.5.3): the cards
 * that use it say so, and when none does, 5.19 does.
 */

/** The analytes whose unreadable results 5.19 reports. */
const B12_TESTS = new Set(['totalB12', 'activeB12', 'methylmalonicAcid']);

/**
 * RULES.md 5.19: an adult's B12, active B12 or MMA result of the last year could not be read, and
 * no other card of the response carries its data note. An undated result cannot be shown to be
 * old, so it counts.
 */
export function resultUnreadable(
  context: RuleContext,
  cards: readonly CardSpec[],
): CardSpec | undefined {
  const { config, facts, findings } = context;
  if (!findings.adult) return undefined;
  const { today } = facts;
  const lost = facts.notes.filter(
    (note) =>
      note.observation !== undefined &&
      B12_TESTS.has(note.observation.analyte) &&
      (note.observation.day === undefined ||
        today - note.observation.day <= config.lookbackDays.totalB12) &&
      !cards.some((card) => carriesNote(card.code, note)),
  );
  const first = lost[0]?.observation;
  if (first === undefined) return undefined;
  const test = ANALYTES[first.analyte].label;
  const date = first.day === undefined ? 'unknown date' : isoDay(first.day);
  const action = 'check it with the laboratory';
  const withReason = `A ${test} result of ${date} could not be read (${first.reason}): ${action}`;
  return {
    code: 'b12-result-unreadable',
    // A long reason would push the action out of the summary; the detail always gives it.
    summary:
      withReason.length <= MAX_SUMMARY_LENGTH
        ? withReason
        : `A ${test} result of ${date} could not be read: ${action}`,
    detail: [
      evidenceLine(
        lost.map(
          ({ observation }) =>
            observation &&
            `${ANALYTES[observation.analyte].label} result of ${observation.day === undefined ? 'unknown date' : isoDay(observation.day)} unreadable`,
        ),
      ),
      ...lost.map((note) => note.text),
      'Until it is readable the service cannot use it: it is not treated as normal.',
    ],
  };
}
