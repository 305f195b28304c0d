import type { CodeableConcept, FhirResource } from 'fhir/r4.js';
import type { Indicator, SuggestionInput } from '../../src/cds-hooks/cards.js';
import type { CardSpec } from './cards.js';
import { CARD_CATALOG } from './catalog.js';
import type { CardCode } from './catalog.js';

/**
 * What one response orders (RULES.md 10.9.2, 10.9.3): each card lists its recommended suggestion
 * first, and a medication is ordered by one card only — the one a clinician reads first.
 */

/** The suggestions with the recommended ones first, otherwise in the rule's order (10.9.2). */
export function recommendedFirst(spec: CardSpec): CardSpec {
  if (!spec.suggestions) return spec;
  const rank = (suggestion: SuggestionInput): number => (suggestion.isRecommended ? 0 : 1);
  return { ...spec, suggestions: [...spec.suggestions].sort((a, b) => rank(a) - rank(b)) };
}

/** The line a card shows when another card of the response orders its regimen (10.9.3). */
export const seeCard = (code: CardCode): string =>
  `Regimen: see the ${CARD_CATALOG[code].display} card`;

/** The medication a created MedicationRequest orders, as keys: each coding, else its text. */
function medicationKeys(resource: FhirResource | undefined): string[] {
  if (resource?.resourceType !== 'MedicationRequest') return [];
  const concept: CodeableConcept | undefined = resource.medicationCodeableConcept;
  const codings = (concept?.coding ?? []).flatMap((coding) =>
    coding.code === undefined ? [] : [`${coding.system ?? ''}|${coding.code}`],
  );
  if (codings.length > 0) return codings;
  const text = concept?.text ?? resource.medicationReference?.display;
  return text === undefined ? [] : [`text|${text.trim().toLowerCase()}`];
}

const INDICATOR_RANK: Record<Indicator, number> = { critical: 0, warning: 1, info: 2 };
const CATALOG_ORDER = Object.keys(CARD_CATALOG) as CardCode[];

const indicatorOf = (spec: CardSpec): Indicator =>
  spec.indicator ?? CARD_CATALOG[spec.code].indicator;

/** Critical, then warning, then info; then catalog order (10.9.3). */
const byRank = (a: CardSpec, b: CardSpec): number =>
  INDICATOR_RANK[indicatorOf(a)] - INDICATOR_RANK[indicatorOf(b)] ||
  CATALOG_ORDER.indexOf(a.code) - CATALOG_ORDER.indexOf(b.code);

/**
 * Each medication ordered by one card of the response (10.9.3): a card ranked lower loses the
 * actions that create a medication a higher card orders and says which card orders it; it keeps
 * its other actions, and a suggestion left with none is dropped. The cards keep their order.
 */
export function oneOrderPerMedication(specs: readonly CardSpec[]): CardSpec[] {
  const orderedBy = new Map<string, CardCode>();
  const result = new Map<CardSpec, CardSpec>();
  for (const spec of [...specs].sort(byRank)) {
    const owners = new Set<CardCode>();
    const suggestions = (spec.suggestions ?? []).flatMap((suggestion) => {
      const actions = (suggestion.actions ?? []).filter((action) => {
        if (action.type !== 'create') return true;
        const owner = medicationKeys(action.resource)
          .map((key) => orderedBy.get(key))
          .find((code) => code !== undefined && code !== spec.code);
        if (owner !== undefined) owners.add(owner);
        return owner === undefined;
      });
      return actions.length > 0 ? [{ ...suggestion, actions }] : [];
    });
    for (const suggestion of suggestions) {
      for (const action of suggestion.actions) {
        if (action.type === 'create') {
          for (const key of medicationKeys(action.resource)) orderedBy.set(key, spec.code);
        }
      }
    }
    if (owners.size === 0) {
      result.set(spec, spec);
      continue;
    }
    const [evidence = '', ...rest] = spec.detail;
    const trimmed: CardSpec = {
      ...spec,
      detail: [evidence, ...[...owners].map(seeCard), ...rest],
      suggestions,
    };
    // No suggestions left: none, and no selectionBehavior either (CDS Hooks: they go together).
    if (suggestions.length === 0) {
      delete trimmed.suggestions;
      delete trimmed.selectionBehavior;
    }
    result.set(spec, trimmed);
  }
  return specs.map((spec) => result.get(spec) ?? spec);
}
