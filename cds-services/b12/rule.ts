import type { CardSpec } from './cards.js';
import type { Hook } from './catalog.js';
import type { Findings } from './findings.js';
import type { DraftMedication } from './patient-facts.js';

/** What every rule is given: the findings, the hook, and for order hooks the drafts (RULES.md 6). */
export interface RuleContext {
  hook: Hook;
  patientId: string;
  findings: Findings;
  /** Drafts the card may be about: the selected ones (order-select), or all (order-sign). */
  focused: readonly DraftMedication[];
  /** Every draft medication in `context.draftOrders`, focused or not. */
  drafts: readonly DraftMedication[];
  /** A B12 product anywhere in the drafts: planned therapy (RULES.md 6). */
  b12Planned: boolean;
}

/** A rule: a pure function from the context to the card it calls for, if any. */
export type Rule = (context: RuleContext) => CardSpec | undefined;
