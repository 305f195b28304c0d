import { MAX_SUMMARY_LENGTH, card } from '../../src/cds-hooks/cards.js';
import type {
  Card,
  Indicator,
  SelectionBehavior,
  SuggestionInput,
} from '../../src/cds-hooks/cards.js';
import {
  CARD_CATALOG,
  SOURCE_LABEL,
  TOPIC_SYSTEM,
  LINKS,
  linksOf,
  overrideReasonsOf,
} from './catalog.js';
import type { CardCode } from './catalog.js';
import { guidanceLink } from './guidance.js';
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
 * Whether a card carries a data note: only when its trigger or evidence reads that kind of data
 * (RULES.md 10.5.3). A note about no kind of data (a resource about another patient) concerns
 * every card; one about draft orders, the order hooks' cards.
 */
export function carriesNote(code: CardCode, note: DataNote): boolean {
  const entry = CARD_CATALOG[code];
  const about = note.about;
  if (about === undefined) return true;
  if ('analyte' in about) return (entry.uses.analytes as readonly string[]).includes(about.analyte);
  if ('medication' in about) {
    return about.medication.some((cls) =>
      (entry.uses.medications as readonly string[]).includes(cls),
    );
  }
  if ('conditions' in about) {
    return about.conditions.some((group) =>
      (entry.uses.conditions as readonly string[]).includes(group),
    );
  }
  return (entry.hooks as readonly string[]).some((hook) => hook !== 'patient-view');
}

/**
 * A CDS card for a rule's conclusion (RULES.md 5.0): catalog code as `source.topic`, guideline
 * source, override reasons and links (the catalog's, then the card's guidance page under
 * `publicUrl`, RULES.md 10.9.5), and the request's data notes about the data the card uses
 * appended to the detail (once: a note the rule already wrote is not repeated).
 */
export function toCard(spec: CardSpec, notes: readonly DataNote[], publicUrl: string): Card {
  const entry = CARD_CATALOG[spec.code];
  const suggestions = spec.suggestions ?? [];
  const carried = notes.filter(
    (note) => carriesNote(spec.code, note) && !spec.detail.includes(note.text),
  );
  const fields = {
    summary: fitted(spec.summary),
    detail: [...spec.detail, ...carried.map((note) => note.text)].join('\n\n'),
    indicator: spec.indicator ?? entry.indicator,
    source: {
      label: SOURCE_LABEL,
      url: LINKS.ng239.url,
      topic: { system: TOPIC_SYSTEM, code: spec.code, display: entry.display },
    },
    overrideReasons: overrideReasonsOf(spec.code),
    links: [...linksOf(spec.code), guidanceLink(spec.code, publicUrl)],
  };
  return suggestions.length > 0
    ? card({ ...fields, suggestions, selectionBehavior: spec.selectionBehavior ?? 'at-most-one' })
    : card(fields);
}
