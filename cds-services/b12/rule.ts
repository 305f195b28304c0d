import type { CardSpec } from './cards.js';
import type { HookName } from '../../src/cds-hooks/hooks.js';
import type { ClinicalConfig } from './clinical-config.js';
import { findingsOf } from './findings.js';
import type { Findings } from './findings.js';
import type { DraftMedication, PatientFacts } from './patient-facts.js';

/**
 * What every rule is given: the facts read from the record, the findings derived from them, the
 * configuration they were derived with, the hook, and for order hooks the drafts (RULES.md 6).
 */
export interface RuleContext {
  hook: HookName;
  patientId: string;
  facts: PatientFacts;
  findings: Findings;
  config: ClinicalConfig;
  /** Drafts the card may be about: the selected ones (order-select), or all (order-sign). */
  focused: readonly DraftMedication[];
  /** Every draft medication in `context.draftOrders`, focused or not. */
  drafts: readonly DraftMedication[];
  /** A B12 product anywhere in the drafts: planned therapy (RULES.md 6). */
  b12Planned: boolean;
}

/** A rule: a pure function from the context to the card it calls for, if any. */
export type Rule = (context: RuleContext) => CardSpec | undefined;

/** The context for one hook call's facts. */
export function ruleContext(
  hook: HookName,
  patientId: string,
  facts: PatientFacts,
  config: ClinicalConfig,
): RuleContext {
  const drafts = facts.drafts.medications;
  return {
    hook,
    patientId,
    facts,
    findings: findingsOf(facts, config),
    config,
    focused: drafts.filter((draft) => draft.focused),
    drafts,
    // A multivitamin containing B12 treats no deficiency, so it plans no B12 treatment.
    b12Planned: drafts.some((draft) => draft.isB12Therapy),
  };
}
