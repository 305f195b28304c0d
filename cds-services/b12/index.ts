/**
 * The B12 knowledge layer's one entry. Everything outside `cds-services/b12/` (the services'
 * declarations, the server and command lines, the demo, the benchmark, and tests other than
 * `test/b12/`, which test its modules one by one) imports from here; lint enforces it
 * (eslint.config.js). The advice runs in three steps, `factsOf` → `adviceOf` → `cardsOf`, which
 * `b12Advice` composes for a hook call.
 */

export { adviceOf, b12Advice, cardsOf, factsInputOf, factsOf } from './advice.js';
export type { CardSpec } from './cards.js';
export {
  CARD_CATALOG,
  LINKS,
  OVERRIDE_REASONS,
  OVERRIDE_SYSTEM,
  SOURCE_LABEL,
  TOPIC_SYSTEM,
} from './catalog.js';
export type { CardCode } from './catalog.js';
export {
  DEFAULT_CLINICAL_CONFIG,
  DEFAULT_DATA_RULES,
  DEFAULT_THRESHOLDS,
  clinicalConfigFrom,
} from './clinical-config.js';
export { DRAFT_KEYS, draftOrder, draftWording, isDraftKey, retargetWithDraft } from './drafts.js';
export type { DraftChoice, DraftKey } from './drafts.js';
export type { ClinicalConfig } from './clinical-config.js';
export { displayUnit, reportedText, valueText } from './evidence.js';
export { hbLimits } from './findings.js';
export { GUIDANCE_LINK_LABEL, triggerOf } from './guidance.js';
export { analyteReader } from './lab-facts.js';
export { actions, regimens } from './orders.js';
export { escapeHtml, guidanceRouter } from './guidance-page.js';
export { READ_TYPES, isReadResource, subjectPatientId } from './patient-facts.js';
export type { DataNote, FactsInput, PatientFacts } from './patient-facts.js';
export { recognisedByName, triggeringFacts } from './population.js';
export { B12_PREFETCH } from './prefetch.js';
export { PREFETCH_RESOURCE_TYPES } from './prefetch-keys.js';
export {
  ANALYTES,
  ATC_NAMES,
  CONDITION_GROUPS,
  PREGNANCY_STATUS,
  ROUTE_CODES,
  RXNORM_INGREDIENTS,
  RXNORM_PRODUCTS,
} from './terminology.js';
export type { Analyte, MedicationClass } from './terminology.js';
