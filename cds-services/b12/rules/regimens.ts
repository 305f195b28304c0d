import type { MedicationRequest } from 'fhir/r4.js';
import type { Action } from '../../../src/cds-hooks/cards.js';
import type { Findings } from '../findings.js';
import { actions, regimens } from '../orders.js';
import { LOADING_REGIMEN, NEUROLOGICAL_REGIMEN } from '../texts.js';

/**
 * The B12 regimen a patient is offered, as card text and as a prescription (RULES.md 5.0):
 * the regimens are exclusive, R-NEURO/MR-NEURO with neurological features, else R-LOAD/MR-LOAD.
 * Treatment, folate-safety, injection-safety and monitoring cards all offer them.
 */

export const MR_LOAD_DESCRIPTION =
  'Prescribe hydroxocobalamin 1 mg IM three times a week for 2 weeks, then 1 mg every 3 months';
export const MR_NEURO_DESCRIPTION =
  'Prescribe hydroxocobalamin 1 mg IM on alternate days until no further improvement, then 1 mg every 2 months';
const MR_ORAL_DESCRIPTION = 'Prescribe cyanocobalamin 1 mg orally once daily';

/** Neurological features are recorded (RULES.md 2.5 `neuro`). */
export const hasNeuro = (findings: Findings): boolean => findings.neuro.length > 0;

/** The regimen text and order for this patient (RULES.md 5.0 regimen exclusivity). */
export function regimenFor(
  findings: Findings,
  patientId: string,
): { text: string; order: MedicationRequest } {
  return hasNeuro(findings)
    ? { text: NEUROLOGICAL_REGIMEN, order: regimens.neuro(patientId) }
    : { text: LOADING_REGIMEN, order: regimens.load(patientId) };
}

/** The prescription action for this patient's regimen (RULES.md 5.0 exclusivity). */
export function regimenAction(findings: Findings, patientId: string): Action {
  const { order } = regimenFor(findings, patientId);
  return actions.prescribe(order, hasNeuro(findings) ? MR_NEURO_DESCRIPTION : MR_LOAD_DESCRIPTION);
}

/** MR-ORAL as an action. */
export const oralAction = (patientId: string): Action =>
  actions.prescribe(regimens.oral(patientId), MR_ORAL_DESCRIPTION);
