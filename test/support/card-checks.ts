import {
  CARD_CATALOG,
  GUIDANCE_LINK_LABEL,
  LINKS,
  OVERRIDE_REASONS,
  OVERRIDE_SYSTEM,
  SOURCE_LABEL,
  TOPIC_SYSTEM,
} from '../../cds-services/b12/index.js';
import type { CardCode } from '../../cds-services/b12/index.js';
import { expectConformantResponse, findEmptyValues } from './conformance.js';
import { r4Problems } from './fhir-r4.js';

/**
 * The checks every card of every end-to-end test must pass: the CDS Hooks 2.0 response rules
 * ({@link expectConformantResponse}) plus what the rule book (RULES.md 5.0, 5.1, 6) promises of a
 * B12 card — catalog code, indicator, override reasons and links, suggestion resources that are
 * valid FHIR R4 draft orders for the patient in the request, deletes that name a draft of the
 * request, and the regimen texts that must never appear.
 */

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const CODES = Object.keys(CARD_CATALOG) as CardCode[];

export const isCardCode = (code: unknown): code is CardCode =>
  typeof code === 'string' && (CODES as string[]).includes(code);

/** RULES.md 5.13: the only card whose indicator depends on the finding (10–49 warning, < 10 critical). */
const INDICATORS: Partial<Record<CardCode, readonly string[]>> = {
  'im-injection-thrombocytopenia': ['warning', 'critical'],
};

export const allowedIndicators = (code: CardCode): readonly string[] =>
  INDICATORS[code] ?? [CARD_CATALOG[code].indicator];

/** What the request told the service; the checks compare the cards with it. */
export interface CardCheckContext {
  hook: string;
  patientId: string;
  /** Ids of the draft MedicationRequests in `context.draftOrders`. */
  draftIds: readonly string[];
  /**
   * The drafts a card may act on (RULES.md 6): those named by `context.selections` on
   * order-select, every draft otherwise. A delete action must name one of them.
   */
  focusedIds: readonly string[];
}

/** The context of a CDS Hooks request body (hook, `context.patientId`, draft order ids). */
export function cardCheckContextOf(requestBody: unknown): CardCheckContext {
  if (!isObject(requestBody) || !isObject(requestBody.context)) {
    throw new Error('cardCheckContextOf: not a hook request body');
  }
  const { context } = requestBody;
  const drafts = isObject(context.draftOrders) ? context.draftOrders : {};
  const entries = Array.isArray(drafts.entry) ? (drafts.entry as unknown[]) : [];
  const draftIds = entries.flatMap((entry) => {
    const resource = isObject(entry) ? entry.resource : undefined;
    return isObject(resource) &&
      resource.resourceType === 'MedicationRequest' &&
      typeof resource.id === 'string'
      ? [resource.id]
      : [];
  });
  const selections = Array.isArray(context.selections)
    ? context.selections.filter((item): item is string => typeof item === 'string')
    : [];
  const focusedIds =
    requestBody.hook === 'order-select' && selections.length > 0
      ? draftIds.filter((id) => selections.includes(`MedicationRequest/${id}`))
      : draftIds;
  return {
    hook: String(requestBody.hook),
    patientId: String(context.patientId),
    draftIds,
    focusedIds,
  };
}

const text = (card: Json): string =>
  `${typeof card.summary === 'string' ? card.summary : ''}\n${typeof card.detail === 'string' ? card.detail : ''}`;

/** Texts no card may show (RULES.md 1, 5.0, 8). */
const NEVER_SHOWN: readonly [RegExp, string][] = [
  // The US hydroxocobalamin label regimen (30 micrograms daily) is never shown (RULES.md 1, 8).
  [/\b30\s*(micrograms?|mcg|µg|ug)\b/i, 'the US hydroxocobalamin label regimen (30 micrograms)'],
  // No homocysteine targets (RULES.md 1, 8: AFP 2017).
  [/homocysteine[^.\n]*(target|<\s*10)/i, 'a homocysteine target'],
];

/** Card-specific promises of RULES.md 5.0 and 5.17. */
const FORBIDDEN_BY_CODE: Partial<Record<CardCode, readonly string[]>> = {
  'b12-deficiency-treat': ['until no further improvement'],
  'b12-deficiency-neuro-urgent': ['three times a week'],
  'b12-indeterminate-mma': ['confirmed deficiency', 'three times a week', 'alternate days'],
  'mma-renal-caution': ['confirmed deficiency', 'three times a week', 'alternate days'],
  'outside-guideline-age': ['three times a week', 'alternate days', 'every 3 months'],
};

/** Cards that propose no medication (RULES.md 5.0: "contain no regimen"). */
const NO_MEDICATION_ORDERS: readonly CardCode[] = ['b12-indeterminate-mma', 'mma-renal-caution'];

/** Cards without suggestions (RULES.md 5.10 "Suggestions: none", 5.17 "no suggestions"). */
const NO_SUGGESTIONS: readonly CardCode[] = ['severe-anaemia-urgent', 'outside-guideline-age'];

function sameList(actual: unknown, expected: unknown): boolean {
  return JSON.stringify(actual) === JSON.stringify(expected);
}

function checkAction(
  action: unknown,
  path: string,
  context: CardCheckContext,
  problems: string[],
): void {
  if (!isObject(action)) return;
  if (action.type === 'create' || action.type === 'update') {
    const resource = action.resource;
    if (!isObject(resource)) {
      problems.push(`${path}.resource: missing`);
      return;
    }
    for (const problem of r4Problems(resource)) {
      problems.push(`${path}.resource is not valid FHIR R4: ${problem}`);
    }
    const subject = isObject(resource.subject) ? resource.subject.reference : undefined;
    if (subject !== `Patient/${context.patientId}`) {
      problems.push(
        `${path}.resource.subject.reference is ${JSON.stringify(subject)}, not Patient/${context.patientId}`,
      );
    }
    if (action.type === 'create') {
      // RULES.md 5.0: created resources are draft orders without an id.
      if (resource.status !== 'draft') problems.push(`${path}.resource.status is not draft`);
      if (resource.intent !== 'order') problems.push(`${path}.resource.intent is not order`);
      if (resource.id !== undefined) problems.push(`${path}.resource has an id`);
    }
  } else if (action.type === 'delete') {
    if (typeof action.resourceId !== 'string' || action.resourceId === '') {
      problems.push(`${path}: delete without resourceId`);
    } else if (
      !context.focusedIds.map((id) => `MedicationRequest/${id}`).includes(action.resourceId)
    ) {
      problems.push(
        `${path}.resourceId ${action.resourceId} is not a focused draft MedicationRequest of the request (${context.focusedIds.join(', ') || 'none'})`,
      );
    }
    if (action.resource !== undefined) problems.push(`${path}: delete carries a resource`);
  }
}

/** Every problem the rule book finds with one card; empty when the card is right. */
export function cardProblems(card: unknown, path: string, context: CardCheckContext): string[] {
  const problems: string[] = [];
  if (!isObject(card)) return [`${path}: not a card`];
  problems.push(...findEmptyValues(card, path));

  if (typeof card.summary !== 'string' || card.summary.trim() === '') {
    problems.push(`${path}.summary: missing`);
  } else if (card.summary.length >= 140) {
    problems.push(`${path}.summary: ${card.summary.length} characters (must be < 140)`);
  }
  if (typeof card.detail !== 'string' || card.detail.trim() === '') {
    problems.push(`${path}.detail: missing (RULES.md 5.0)`);
  }
  if (typeof card.uuid !== 'string') problems.push(`${path}.uuid: missing`);

  const source = isObject(card.source) ? card.source : {};
  if (source.label !== SOURCE_LABEL) problems.push(`${path}.source.label is not ${SOURCE_LABEL}`);
  if (source.url !== LINKS.ng239.url) problems.push(`${path}.source.url is not NICE NG239`);
  const topic = isObject(source.topic) ? source.topic : {};
  if (topic.system !== TOPIC_SYSTEM)
    problems.push(`${path}.source.topic.system is not ${TOPIC_SYSTEM}`);
  const code = topic.code;
  if (!isCardCode(code)) {
    problems.push(`${path}.source.topic.code ${JSON.stringify(code)} is not a catalog card code`);
    return problems;
  }
  const entry = CARD_CATALOG[code];
  const at = `${path} (${code})`;
  if (topic.display !== entry.display) {
    problems.push(
      `${at}.source.topic.display is ${JSON.stringify(topic.display)}, not '${entry.display}'`,
    );
  }
  if (!(entry.hooks as readonly string[]).includes(context.hook)) {
    problems.push(
      `${at}: returned on ${context.hook}, but the catalog allows ${entry.hooks.join(', ')}`,
    );
  }
  if (!allowedIndicators(code).includes(String(card.indicator))) {
    problems.push(
      `${at}.indicator is ${String(card.indicator)}, the catalog says ${allowedIndicators(code).join(' or ')}`,
    );
  }

  const expectedReasons = entry.overrideReasons.map((reason) => ({
    system: OVERRIDE_SYSTEM,
    code: reason,
    display: OVERRIDE_REASONS[reason],
  }));
  if (!Array.isArray(card.overrideReasons)) {
    problems.push(`${at}.overrideReasons: missing`);
  } else {
    card.overrideReasons.forEach((reason, index) => {
      if (!isObject(reason) || typeof reason.display !== 'string' || reason.display === '') {
        problems.push(`${at}.overrideReasons[${index}] has no display`);
      }
    });
    if (!sameList(card.overrideReasons, expectedReasons)) {
      problems.push(
        `${at}.overrideReasons are not the catalog's: ${JSON.stringify(card.overrideReasons)}`,
      );
    }
  }
  // The catalog's links, then the card's guidance page under the public URL (RULES.md 10.9.5).
  const expectedLinks = entry.links.map((key) => ({ ...LINKS[key], type: 'absolute' }));
  const links: unknown[] = Array.isArray(card.links) ? card.links : [];
  const guidance = links.at(-1);
  if (!sameList(links.slice(0, -1), expectedLinks)) {
    problems.push(`${at}.links are not the catalog's: ${JSON.stringify(card.links)}`);
  }
  if (
    !isObject(guidance) ||
    guidance.label !== GUIDANCE_LINK_LABEL ||
    guidance.type !== 'absolute' ||
    typeof guidance.url !== 'string' ||
    !new RegExp(`^https?://[^?#]+/cards/${code}$`).test(guidance.url) ||
    Object.keys(guidance).length !== 3
  ) {
    problems.push(`${at}.links do not end with its guidance page: ${JSON.stringify(guidance)}`);
  }

  const suggestions = card.suggestions;
  if ((suggestions === undefined) !== (card.selectionBehavior === undefined)) {
    problems.push(`${at}: suggestions and selectionBehavior must come together`);
  }
  if (Array.isArray(suggestions)) {
    suggestions.forEach((suggestion, index) => {
      const spath = `${at}.suggestions[${index}]`;
      if (!isObject(suggestion)) return;
      if (typeof suggestion.uuid !== 'string') problems.push(`${spath}.uuid: missing`);
      const actions = Array.isArray(suggestion.actions) ? suggestion.actions : [];
      actions.forEach((action, actionIndex) => {
        checkAction(action, `${spath}.actions[${actionIndex}]`, context, problems);
        if (
          NO_MEDICATION_ORDERS.includes(code) &&
          isObject(action) &&
          isObject(action.resource) &&
          action.resource.resourceType === 'MedicationRequest'
        ) {
          problems.push(`${spath}.actions[${actionIndex}]: this card proposes no medication`);
        }
      });
    });
  }
  // RULES.md 10.9.2: the recommended suggestion is listed first.
  if (
    Array.isArray(suggestions) &&
    suggestions.some((item) => isObject(item) && item.isRecommended === true) &&
    !(isObject(suggestions[0]) && suggestions[0].isRecommended === true)
  ) {
    problems.push(`${at}.suggestions: the recommended suggestion is not first`);
  }
  if (NO_SUGGESTIONS.includes(code) && suggestions !== undefined) {
    problems.push(`${at}: the rule book gives this card no suggestions`);
  }

  const words = text(card).toLowerCase();
  // RULES.md 5.0 regimen exclusivity: R-NEURO or R-LOAD, never both.
  if (words.includes('three times a week') && words.includes('until no further improvement')) {
    problems.push(`${at}: shows both the loading (R-LOAD) and the neurological (R-NEURO) regimen`);
  }
  for (const [pattern, what] of NEVER_SHOWN) {
    if (pattern.test(words)) problems.push(`${at}: shows ${what}`);
  }
  for (const phrase of FORBIDDEN_BY_CODE[code] ?? []) {
    if (words.includes(phrase)) problems.push(`${at}: contains '${phrase}'`);
  }
  return problems;
}

/** The medications (by text) a card's suggestions create. */
function createdMedications(card: unknown): Set<string> {
  const suggestions = isObject(card) && Array.isArray(card.suggestions) ? card.suggestions : [];
  const texts = suggestions.flatMap((suggestion) =>
    (isObject(suggestion) && Array.isArray(suggestion.actions) ? suggestion.actions : []).flatMap(
      (action) => {
        const resource = isObject(action) && action.type === 'create' ? action.resource : undefined;
        const concept = isObject(resource) ? resource.medicationCodeableConcept : undefined;
        return isObject(concept) && typeof concept.text === 'string' ? [concept.text] : [];
      },
    ),
  );
  return new Set(texts);
}

/** The card codes of a response, in order. */
export function cardCodes(body: unknown): string[] {
  const cards = isObject(body) && Array.isArray(body.cards) ? body.cards : [];
  return cards.map((card) =>
    isObject(card) && isObject(card.source) && isObject(card.source.topic)
      ? String(card.source.topic.code)
      : '?',
  );
}

/**
 * Asserts a B12 service response: CDS Hooks 2.0 conformant, at most one card per code, and every
 * card passing {@link cardProblems} for the request it answers. Throws listing every problem.
 */
export function expectB12Response(body: unknown, requestBody: unknown): void {
  expectConformantResponse(body);
  const context = cardCheckContextOf(requestBody);
  const cards = isObject(body) && Array.isArray(body.cards) ? body.cards : [];
  const problems = cards.flatMap((card, index) => cardProblems(card, `$.cards[${index}]`, context));
  const codes = cardCodes(body);
  const repeated = codes.filter((code, index) => codes.indexOf(code) !== index);
  if (repeated.length > 0) problems.push(`$.cards: more than one card for ${repeated.join(', ')}`);
  // RULES.md 10.9.3: one order per response — no medication created by two cards.
  const medications = cards.flatMap((card) => [...createdMedications(card)]);
  const twice = medications.filter((text, index) => medications.indexOf(text) !== index);
  if (twice.length > 0) problems.push(`$.cards: more than one card orders ${twice.join(', ')}`);
  if (problems.length > 0) {
    throw new Error(
      `B12 card checks failed:\n  - ${problems.join('\n  - ')}\nin ${JSON.stringify(body, null, 2)}`,
    );
  }
}

/** A card by its code, or undefined. */
export function cardByCode(body: unknown, code: string): Json | undefined {
  const cards = isObject(body) && Array.isArray(body.cards) ? body.cards : [];
  return cards.find(
    (card): card is Json =>
      isObject(card) &&
      isObject(card.source) &&
      isObject(card.source.topic) &&
      card.source.topic.code === code,
  );
}

/** The text a clinician reads on a card: summary and detail, lower case. */
export const cardText = (card: Json): string => text(card).toLowerCase();
