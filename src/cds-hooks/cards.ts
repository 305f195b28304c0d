import { randomUUID } from 'node:crypto';
import type { FhirResource } from 'fhir/r4.js';
import { RELATIVE_REFERENCE } from './references.js';

/**
 * CDS Hooks 2.0 response types and the only way this service builds them. The builders enforce
 * what the specification demands of a card, so a non-conformant card cannot be emitted: a breach
 * is a programming error and throws. See {@link https://cds-hooks.hl7.org/2.0/#card-attributes | Card attributes}.
 */

export const INDICATORS = ['info', 'warning', 'critical'] as const;
export type Indicator = (typeof INDICATORS)[number];
export type SelectionBehavior = 'at-most-one' | 'any';

/** CDS Hooks Coding: `system` and `code` required; `display` required for override reasons. */
export interface Coding {
  system: string;
  code: string;
  display?: string;
}

export interface Source {
  label: string;
  url?: string;
  icon?: string;
  topic?: Coding;
}

export type Action =
  | { type: 'create'; description: string; resource: FhirResource }
  | { type: 'update'; description: string; resource: FhirResource }
  /** `resourceId` is a relative reference such as `MedicationRequest/123` (spec: SHOULD for delete). */
  | { type: 'delete'; description: string; resourceId: string };

export interface Suggestion {
  label: string;
  uuid: string;
  isRecommended?: boolean;
  actions?: Action[];
}

export interface Link {
  label: string;
  url: string;
  type: 'absolute' | 'smart';
  appContext?: string;
  autolaunchable?: boolean;
}

export interface Card {
  uuid: string;
  summary: string;
  detail?: string;
  indicator: Indicator;
  source: Source;
  suggestions?: Suggestion[];
  selectionBehavior?: SelectionBehavior;
  overrideReasons?: Coding[];
  links?: Link[];
}

export interface CdsResponse {
  cards: Card[];
  systemActions?: Action[];
}

export type SuggestionInput = Omit<Suggestion, 'uuid'>;

interface CardFields {
  summary: string;
  detail?: string;
  indicator: Indicator;
  source: Source;
  overrideReasons?: readonly Coding[];
  links?: readonly Link[];
}

/** Suggestions and `selectionBehavior` only travel together (spec: "MUST also be provided"). */
export type CardInput = CardFields &
  (
    | { suggestions?: undefined; selectionBehavior?: undefined }
    | { suggestions: readonly SuggestionInput[]; selectionBehavior: SelectionBehavior }
  );

/** The specification's "<140-character" summary. */
export const MAX_SUMMARY_LENGTH = 139;

export class NonConformantCardError extends Error {
  override name = 'NonConformantCardError';
}

function ensure(condition: boolean, message: string): void {
  if (!condition) throw new NonConformantCardError(message);
}

const nonBlank = (value: string | undefined): value is string =>
  value !== undefined && value.trim() !== '';

/** Card URLs (source url and icon, links) are absolute: the EHR resolves them, not this service. */
const isAbsoluteUrl = (value: string): boolean =>
  /^https?:$/.test(URL.parse(value)?.protocol ?? '');

function optionalUrl(name: string, value: string | undefined): Record<string, string> {
  if (!nonBlank(value)) return {};
  ensure(isAbsoluteUrl(value), `${name} must be an absolute URL: ${value}`);
  return { [name]: value };
}

function buildLink(link: Link): Link {
  ensure(
    nonBlank(link.label) && isAbsoluteUrl(link.url),
    'a link needs a label and an absolute url',
  );
  ensure(
    link.type === 'smart' || link.appContext === undefined,
    'appContext is only for smart links',
  );
  return {
    label: link.label,
    url: link.url,
    type: link.type,
    ...(nonBlank(link.appContext) ? { appContext: link.appContext } : {}),
    ...(link.autolaunchable === undefined ? {} : { autolaunchable: link.autolaunchable }),
  };
}

function buildAction(action: Action): Action {
  ensure(nonBlank(action.description), 'every action needs a description');
  if (action.type === 'delete') {
    ensure(
      RELATIVE_REFERENCE.test(action.resourceId),
      'delete needs a relative resourceId such as MedicationRequest/123',
    );
    return { type: 'delete', description: action.description, resourceId: action.resourceId };
  }
  ensure(typeof action.resource.resourceType === 'string', `${action.type} needs a resource`);
  return { type: action.type, description: action.description, resource: action.resource };
}

function buildSuggestion(input: SuggestionInput): Suggestion {
  ensure(nonBlank(input.label), 'a suggestion needs a label');
  const actions = (input.actions ?? []).map(buildAction);
  return {
    label: input.label,
    uuid: randomUUID(),
    ...(input.isRecommended === undefined ? {} : { isRecommended: input.isRecommended }),
    ...(actions.length > 0 ? { actions } : {}),
  };
}

function buildSource(source: Source): Source {
  ensure(nonBlank(source.label), 'source.label is required');
  const topic = source.topic;
  if (topic) ensure(nonBlank(topic.system) && nonBlank(topic.code), 'topic needs system and code');
  return {
    label: source.label,
    ...optionalUrl('url', source.url),
    ...optionalUrl('icon', source.icon),
    ...(topic
      ? {
          topic: {
            system: topic.system,
            code: topic.code,
            ...(nonBlank(topic.display) ? { display: topic.display } : {}),
          },
        }
      : {}),
  };
}

/** What names a card in logs, the store and the report: its topic code, else its source label. */
export const cardCode = (card: Card): string => card.source.topic?.code ?? card.source.label;

/**
 * What is kept of a card once sent: its code and indicator (the log, the report) and the uuids
 * feedback names (the card's and its suggestions'). Small, so it crosses threads cheaply.
 */
export interface RecordedCard {
  uuid: string;
  code: string;
  indicator: Indicator;
  suggestionUuids: readonly string[];
}

export const recordedCard = (card: Card): RecordedCard => ({
  uuid: card.uuid,
  code: cardCode(card),
  indicator: card.indicator,
  suggestionUuids: (card.suggestions ?? []).map((suggestion) => suggestion.uuid),
});

/**
 * Builds a conformant card: generated `uuid`s for the card and each suggestion (feedback needs
 * both), empty optional fields omitted, and the spec's rules checked.
 */
export function card(input: CardInput): Card {
  ensure(INDICATORS.includes(input.indicator), `indicator must be one of ${INDICATORS.join(', ')}`);
  const summary = input.summary.trim();
  ensure(summary.length > 0, 'summary is required');
  ensure(
    summary.length <= MAX_SUMMARY_LENGTH,
    `summary must be under 140 characters (${summary.length}): ${summary}`,
  );
  const suggestions = (input.suggestions ?? []).map(buildSuggestion);
  if (suggestions.length > 0) {
    ensure(
      input.selectionBehavior === 'at-most-one' || input.selectionBehavior === 'any',
      'suggestions need a selectionBehavior of at-most-one or any',
    );
  }
  if (input.selectionBehavior === 'at-most-one') {
    ensure(
      suggestions.filter((suggestion) => suggestion.isRecommended === true).length <= 1,
      'at-most-one allows at most one recommended suggestion',
    );
  }
  const overrideReasons = (input.overrideReasons ?? []).map((reason) => {
    ensure(nonBlank(reason.display), `override reason ${reason.code} needs a display`);
    ensure(
      nonBlank(reason.system) && nonBlank(reason.code),
      'override reasons need system and code',
    );
    return { system: reason.system, code: reason.code, display: reason.display };
  });
  const links = (input.links ?? []).map(buildLink);
  return {
    uuid: randomUUID(),
    summary,
    ...(nonBlank(input.detail) ? { detail: input.detail } : {}),
    indicator: input.indicator,
    source: buildSource(input.source),
    ...(suggestions.length > 0 ? { suggestions, selectionBehavior: input.selectionBehavior } : {}),
    ...(overrideReasons.length > 0 ? { overrideReasons } : {}),
    ...(links.length > 0 ? { links } : {}),
  };
}

/** A response body; `systemActions` is omitted when empty. */
export function cdsResponse(
  cards: readonly Card[],
  systemActions: readonly Action[] = [],
): CdsResponse {
  return {
    cards: [...cards],
    ...(systemActions.length > 0 ? { systemActions: systemActions.map(buildAction) } : {}),
  };
}
