import { resultText } from '../evidence.js';
import type { Findings } from '../findings.js';

/**
 * The results a card about an untreated deficiency shows (RULES.md 5.0 evidence line): the
 * treatment and folate-safety cards name the same ones.
 */

/**
 * Whether a raised MMA is what makes the result deficient: with an indeterminate B12
 * (RULES.md 2.5 `deficient`), or as functional deficiency whatever the B12 (`functionalNeuro`).
 */
export function mmaUsed(findings: Findings): boolean {
  if (findings.mma === undefined) return false;
  return findings.deficient ? findings.b12Band === 'indeterminate' : findings.functionalNeuro;
}

/**
 * The results behind a deficiency (RULES.md 5.0 evidence line; 5.6 "if MMA was used: raised
 * methylmalonic acid (MMA) <value>"), with the eGFR that let the MMA count. `raised: false` when
 * the card states the raised MMA itself (RULES.md 5.7 functional deficiency).
 */
export function deficiencyEvidence(
  findings: Findings,
  { raised }: { raised: boolean } = { raised: true },
): (string | undefined)[] {
  const mma = mmaUsed(findings) ? findings.mma : undefined;
  const { egfr } = findings;
  return [
    findings.b12 && resultText(findings.b12),
    mma && `${raised ? 'raised ' : ''}${resultText(mma)}`,
    mma && egfr && resultText(egfr),
  ];
}

/** Hb, MCV and platelets, where recorded. */
export function bloodCountEvidence(findings: Findings): (string | undefined)[] {
  const { haemoglobin, mcv, platelets } = findings;
  return [haemoglobin, mcv, platelets].map((result) => result && resultText(result));
}
