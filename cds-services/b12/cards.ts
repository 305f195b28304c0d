import { MAX_SUMMARY_LENGTH, card } from '../../src/cds/cards.js';
import type { Card, Indicator, SelectionBehavior, SuggestionInput } from '../../src/cds/cards.js';
import {
  CARD_CATALOG,
  SOURCE_LABEL,
  TOPIC_SYSTEM,
  LINKS,
  linksOf,
  overrideReasonsOf,
} from './catalog.js';
import type { CardCode } from './catalog.js';
import type { DataNote } from './patient-facts.js';

/** What a rule concludes: the card's content, before it is made a CDS Hooks card. */
export interface CardSpec {
  code: CardCode;
  /** Only where the catalog lets the indicator depend on the finding (RULES.md 5.13). */
  indicator?: Indicator;
  summary: string;
  /** Markdown paragraphs: evidence first, then recommendation, warnings and citations. */
  detail: readonly string[];
  suggestions?: readonly SuggestionInput[];
  selectionBehavior?: SelectionBehavior;
}

/**
 * The summary within the specification's limit. Rules word summaries to fit; free text (a
 * recorded symptom's name) could still overrun, and a card cut short beats no response at all.
 */
function fitted(summary: string): string {
  return summary.length <= MAX_SUMMARY_LENGTH
    ? summary
    : `${summary.slice(0, MAX_SUMMARY_LENGTH - 1)}…`;
}

/**
 * A CDS card for a rule's conclusion (RULES.md 5.0): catalog code as `source.topic`, guideline
 * source, override reasons and links, and every data note of the request appended to the detail.
 */
export function toCard(spec: CardSpec, notes: readonly DataNote[]): Card {
  const entry = CARD_CATALOG[spec.code];
  const suggestions = spec.suggestions ?? [];
  const fields = {
    summary: fitted(spec.summary),
    detail: [...spec.detail, ...notes.map((note) => note.text)].join('\n\n'),
    indicator: spec.indicator ?? entry.indicator,
    source: {
      label: SOURCE_LABEL,
      url: LINKS.ng239.url,
      topic: { system: TOPIC_SYSTEM, code: spec.code, display: entry.display },
    },
    overrideReasons: overrideReasonsOf(spec.code),
    links: linksOf(spec.code),
  };
  return suggestions.length > 0
    ? card({ ...fields, suggestions, selectionBehavior: spec.selectionBehavior ?? 'at-most-one' })
    : card(fields);
}
