/**
 * An independent oracle for CDS Hooks 2.0 responses, written from the specification text
 * (HL7 CDS Hooks 2.0.1 §CDS Service Response, §Card Attributes, and the invariants cds-resp-1..6
 * of the 3.0 ballot) rather than from this service's own builders: it deliberately does not import
 * `src/cds-hooks/cards.ts`, so a bug there cannot hide itself.
 *
 * Beyond the specification's REQUIRED fields, it also demands what this service promises:
 * a `uuid` on every card and every suggestion (without them a client cannot send feedback, L880).
 */

const INDICATORS = ['info', 'warning', 'critical'];
const SELECTION_BEHAVIORS = ['at-most-one', 'any'];
const ACTION_TYPES = ['create', 'update', 'delete'];
const LINK_TYPES = ['absolute', 'smart'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const RELATIVE_REFERENCE = /^[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64}$/;

/** FHIR R4 IssueType codes (http://hl7.org/fhir/R4/valueset-issue-type.html). */
const ISSUE_TYPES = [
  'invalid',
  'structure',
  'required',
  'value',
  'invariant',
  'security',
  'login',
  'unknown',
  'expired',
  'forbidden',
  'suppressed',
  'processing',
  'not-supported',
  'duplicate',
  'multiple-matches',
  'not-found',
  'deleted',
  'too-long',
  'code-invalid',
  'extension',
  'too-costly',
  'business-rule',
  'conflict',
  'transient',
  'lock-error',
  'no-store',
  'exception',
  'timeout',
  'incomplete',
  'throttled',
  'informational',
];
const ISSUE_SEVERITIES = ['fatal', 'error', 'warning', 'information'];

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

class Problems {
  readonly list: string[] = [];

  add(path: string, message: string): void {
    this.list.push(`${path}: ${message}`);
  }

  /** Fails with every problem found, so one run shows them all. */
  throwIfAny(what: string, body: unknown): void {
    if (this.list.length === 0) return;
    throw new Error(
      `${what}:\n  - ${this.list.join('\n  - ')}\nin ${JSON.stringify(body, null, 2)}`,
    );
  }
}

/**
 * Where `value` holds `null`, `""`, `[]` or `{}` (CDS Hooks 2.0 L45–52: OPTIONAL fields without
 * a value MUST be omitted); an empty list means none.
 */
export function findEmptyValues(value: unknown, path = '$'): string[] {
  const problems = new Problems();
  checkNoEmptyValues(value, path, problems);
  return problems.list;
}

/** Spec L45–52: no `null`, and no empty string, array or object, anywhere (OPTIONAL means omit). */
function checkNoEmptyValues(value: unknown, path: string, problems: Problems): void {
  if (value === null) {
    problems.add(path, 'is null (omit empty optional fields)');
  } else if (value === '') {
    problems.add(path, 'is an empty string (omit empty optional fields)');
  } else if (Array.isArray(value)) {
    if (value.length === 0) problems.add(path, 'is an empty array (omit empty optional fields)');
    value.forEach((item, index) => {
      checkNoEmptyValues(item, `${path}[${index}]`, problems);
    });
  } else if (isObject(value)) {
    const entries = Object.entries(value);
    if (entries.length === 0) problems.add(path, 'is an empty object (omit empty optional fields)');
    for (const [key, item] of entries) checkNoEmptyValues(item, `${path}.${key}`, problems);
  }
}

function checkKeys(
  value: Json,
  allowed: readonly string[],
  path: string,
  problems: Problems,
): void {
  for (const key of Object.keys(value)) {
    // `extension` is a reserved name allowed on any CDS Hooks object (spec §Extensions).
    if (!allowed.includes(key) && key !== 'extension')
      problems.add(`${path}.${key}`, 'unknown field');
  }
  if (value.extension !== undefined && !isObject(value.extension)) {
    problems.add(`${path}.extension`, 'must be a JSON object');
  }
}

function requireString(value: Json, key: string, path: string, problems: Problems): void {
  if (typeof value[key] !== 'string' || value[key].trim() === '') {
    problems.add(`${path}.${key}`, 'is REQUIRED and must be a non-empty string');
  }
}

function optionalString(value: Json, key: string, path: string, problems: Problems): void {
  if (value[key] !== undefined && typeof value[key] !== 'string') {
    problems.add(`${path}.${key}`, 'must be a string');
  }
}

function optionalAbsoluteUrl(value: Json, key: string, path: string, problems: Problems): void {
  const url = value[key];
  if (url !== undefined && (typeof url !== 'string' || !/^https?:\/\/[^\s]+$/.test(url))) {
    problems.add(`${path}.${key}`, 'must be an absolute http(s) URL');
  }
}

function requireEnum(
  value: Json,
  key: string,
  allowed: readonly string[],
  path: string,
  problems: Problems,
): void {
  const actual = value[key];
  if (typeof actual !== 'string' || !allowed.includes(actual)) {
    problems.add(`${path}.${key}`, `must be one of ${allowed.join(' | ')}`);
  }
}

function requireUuid(value: Json, path: string, problems: Problems): void {
  if (typeof value.uuid !== 'string' || !UUID.test(value.uuid)) {
    problems.add(`${path}.uuid`, 'must be a UUID (needed for feedback, spec L880)');
  }
}

/** CDS Hooks Coding (L1162–1170): system and code REQUIRED; display where the context demands it. */
function checkCoding(
  value: unknown,
  path: string,
  problems: Problems,
  displayRequired: boolean,
): void {
  if (!isObject(value)) {
    problems.add(path, 'must be a Coding object');
    return;
  }
  checkKeys(value, ['system', 'code', 'display'], path, problems);
  requireString(value, 'system', path, problems);
  requireString(value, 'code', path, problems);
  if (displayRequired) requireString(value, 'display', path, problems);
  else optionalString(value, 'display', path, problems);
}

function checkSource(value: unknown, path: string, problems: Problems): void {
  if (!isObject(value)) {
    problems.add(path, 'is REQUIRED and must be an object');
    return;
  }
  checkKeys(value, ['label', 'url', 'icon', 'topic'], path, problems);
  requireString(value, 'label', path, problems);
  // source.url and source.icon are absolute URLs (L578–605).
  optionalAbsoluteUrl(value, 'url', path, problems);
  optionalAbsoluteUrl(value, 'icon', path, problems);
  if (value.topic !== undefined) checkCoding(value.topic, `${path}.topic`, problems, false);
}

/** Action (L619–668) with cds-resp-5 (description) and cds-resp-2 (delete). */
function checkAction(value: unknown, path: string, problems: Problems): void {
  if (!isObject(value)) {
    problems.add(path, 'must be an Action object');
    return;
  }
  checkKeys(value, ['type', 'description', 'resource', 'resourceId'], path, problems);
  requireEnum(value, 'type', ACTION_TYPES, path, problems);
  // cds-resp-5: every action has a description.
  requireString(value, 'description', path, problems);
  if (value.type === 'delete') {
    // cds-resp-2: delete carries a relative resourceId and no resource.
    if (typeof value.resourceId !== 'string' || !RELATIVE_REFERENCE.test(value.resourceId)) {
      problems.add(`${path}.resourceId`, 'delete needs a relative resourceId such as Type/id');
    }
    if (value.resource !== undefined)
      problems.add(`${path}.resource`, 'delete carries no resource');
  } else if (value.type === 'create' || value.type === 'update') {
    if (!isObject(value.resource) || typeof value.resource.resourceType !== 'string') {
      problems.add(`${path}.resource`, `${value.type} needs a FHIR resource`);
    }
  }
}

function checkSuggestion(value: unknown, path: string, problems: Problems): void {
  if (!isObject(value)) {
    problems.add(path, 'must be a Suggestion object');
    return;
  }
  checkKeys(value, ['label', 'uuid', 'isRecommended', 'actions'], path, problems);
  requireString(value, 'label', path, problems);
  requireUuid(value, path, problems);
  if (value.isRecommended !== undefined && typeof value.isRecommended !== 'boolean') {
    problems.add(`${path}.isRecommended`, 'must be a boolean');
  }
  if (value.actions !== undefined) {
    if (!Array.isArray(value.actions)) problems.add(`${path}.actions`, 'must be an array');
    else
      value.actions.forEach((action, index) => {
        checkAction(action, `${path}.actions[${index}]`, problems);
      });
  }
}

function checkLink(value: unknown, path: string, problems: Problems): void {
  if (!isObject(value)) {
    problems.add(path, 'must be a Link object');
    return;
  }
  checkKeys(value, ['label', 'url', 'type', 'appContext', 'autolaunchable'], path, problems);
  requireString(value, 'label', path, problems);
  requireString(value, 'url', path, problems);
  requireEnum(value, 'type', LINK_TYPES, path, problems);
  if (value.type === 'absolute') optionalAbsoluteUrl(value, 'url', path, problems);
  optionalString(value, 'appContext', path, problems);
  // cds-resp-3: appContext only for smart links.
  if (value.appContext !== undefined && value.type !== 'smart') {
    problems.add(`${path}.appContext`, 'is only allowed on smart links');
  }
  if (value.autolaunchable !== undefined && typeof value.autolaunchable !== 'boolean') {
    problems.add(`${path}.autolaunchable`, 'must be a boolean');
  }
}

function checkCard(value: unknown, path: string, problems: Problems): void {
  if (!isObject(value)) {
    problems.add(path, 'must be a Card object');
    return;
  }
  checkKeys(
    value,
    [
      'uuid',
      'summary',
      'detail',
      'indicator',
      'source',
      'suggestions',
      'selectionBehavior',
      'overrideReasons',
      'links',
    ],
    path,
    problems,
  );
  requireUuid(value, path, problems);
  requireString(value, 'summary', path, problems);
  // "One-sentence, <140-character summary".
  if (typeof value.summary === 'string' && value.summary.length >= 140) {
    problems.add(`${path}.summary`, `must be under 140 characters (${value.summary.length})`);
  }
  optionalString(value, 'detail', path, problems);
  requireEnum(value, 'indicator', INDICATORS, path, problems);
  checkSource(value.source, `${path}.source`, problems);

  if (value.suggestions !== undefined) {
    if (!Array.isArray(value.suggestions)) {
      problems.add(`${path}.suggestions`, 'must be an array');
    } else {
      value.suggestions.forEach((suggestion, index) => {
        checkSuggestion(suggestion, `${path}.suggestions[${index}]`, problems);
      });
      // cds-resp-6: suggestions ⇒ selectionBehavior.
      requireEnum(value, 'selectionBehavior', SELECTION_BEHAVIORS, path, problems);
      // cds-resp-1: at-most-one ⇒ at most one recommended suggestion.
      const recommended = value.suggestions.filter(
        (suggestion) => isObject(suggestion) && suggestion.isRecommended === true,
      ).length;
      if (value.selectionBehavior === 'at-most-one' && recommended > 1) {
        problems.add(`${path}.suggestions`, `at-most-one allows one recommended (${recommended})`);
      }
    }
  } else if (value.selectionBehavior !== undefined) {
    requireEnum(value, 'selectionBehavior', SELECTION_BEHAVIORS, path, problems);
  }

  if (value.overrideReasons !== undefined) {
    if (!Array.isArray(value.overrideReasons)) {
      problems.add(`${path}.overrideReasons`, 'must be an array');
    } else {
      // cds-resp-4: override reasons all have a display.
      value.overrideReasons.forEach((reason, index) => {
        checkCoding(reason, `${path}.overrideReasons[${index}]`, problems, true);
      });
    }
  }

  if (value.links !== undefined) {
    if (!Array.isArray(value.links)) problems.add(`${path}.links`, 'must be an array');
    else
      value.links.forEach((link, index) => {
        checkLink(link, `${path}.links[${index}]`, problems);
      });
  }
}

/** Asserts `body` is a conformant CDS Hooks 2.0 service response; throws listing every problem. */
export function expectConformantResponse(body: unknown): void {
  const problems = new Problems();
  if (!isObject(body)) {
    problems.add('$', 'the response must be a JSON object');
    problems.throwIfAny('Non-conformant CDS Hooks response', body);
    return;
  }
  checkKeys(body, ['cards', 'systemActions'], '$', problems);
  if (!Array.isArray(body.cards)) {
    problems.add('$.cards', 'is REQUIRED and must be an array');
  } else {
    body.cards.forEach((card, index) => {
      checkCard(card, `$.cards[${index}]`, problems);
    });
    // `cards: []` is the one empty value the spec allows ("no decision support").
    body.cards.forEach((card, index) => {
      checkNoEmptyValues(card, `$.cards[${index}]`, problems);
    });
    // Feedback names cards and suggestions by uuid, so no two may share one.
    const uuids = body.cards.flatMap((card) => {
      if (!isObject(card)) return [];
      const suggestions = Array.isArray(card.suggestions) ? card.suggestions : [];
      return [card.uuid, ...suggestions.map((s) => (isObject(s) ? s.uuid : undefined))].filter(
        (uuid): uuid is string => typeof uuid === 'string',
      );
    });
    const repeated = uuids.filter((uuid, index) => uuids.indexOf(uuid) !== index);
    if (repeated.length > 0) problems.add('$.cards', `uuids are repeated: ${repeated.join(', ')}`);
  }
  if (body.systemActions !== undefined) {
    if (!Array.isArray(body.systemActions)) {
      problems.add('$.systemActions', 'must be an array');
    } else {
      body.systemActions.forEach((action, index) => {
        checkAction(action, `$.systemActions[${index}]`, problems);
      });
      checkNoEmptyValues(body.systemActions, '$.systemActions', problems);
    }
  }
  if (body.extension !== undefined) checkNoEmptyValues(body.extension, '$.extension', problems);
  problems.throwIfAny('Non-conformant CDS Hooks response', body);
}

export interface OperationOutcomeIssue {
  severity: string;
  code: string;
  diagnostics?: string;
  expression?: string[];
}

export interface OperationOutcome {
  resourceType: 'OperationOutcome';
  issue: OperationOutcomeIssue[];
}

interface ResponseLike {
  status: number;
  body: unknown;
  headers: Record<string, string | undefined>;
}

const isResponseLike = (value: unknown): value is ResponseLike =>
  isObject(value) && typeof value.status === 'number' && isObject(value.headers) && 'body' in value;

/**
 * Asserts a FHIR R4 OperationOutcome error body (CDS Hooks 3.0 ballot "Returning OperationOutcome").
 * Pass either the parsed body, or a whole supertest response: then `status` (when given) and a JSON
 * content type are checked too. Returns the OperationOutcome for further assertions.
 */
export function expectOperationOutcome(bodyOrResponse: unknown, status?: number): OperationOutcome {
  const problems = new Problems();
  let body = bodyOrResponse;
  if (isResponseLike(bodyOrResponse)) {
    body = bodyOrResponse.body;
    if (status !== undefined && bodyOrResponse.status !== status) {
      problems.add('status', `expected HTTP ${status}, got ${bodyOrResponse.status}`);
    }
    const contentType = bodyOrResponse.headers['content-type'] ?? '';
    if (!/^application\/(fhir\+)?json\b/.test(contentType)) {
      problems.add('content-type', `expected application/json, got '${contentType}'`);
    }
  }
  if (!isObject(body)) {
    problems.add('$', 'must be a JSON object');
    problems.throwIfAny('Not an OperationOutcome', body);
    throw new Error('unreachable');
  }
  if (body.resourceType !== 'OperationOutcome') {
    problems.add('$.resourceType', 'must be OperationOutcome');
  }
  if (!Array.isArray(body.issue) || body.issue.length === 0) {
    problems.add('$.issue', 'is REQUIRED (1..*)');
  } else {
    body.issue.forEach((issue: unknown, index) => {
      const path = `$.issue[${index}]`;
      if (!isObject(issue)) {
        problems.add(path, 'must be an object');
        return;
      }
      requireEnum(issue, 'severity', ISSUE_SEVERITIES, path, problems);
      requireEnum(issue, 'code', ISSUE_TYPES, path, problems);
      optionalString(issue, 'diagnostics', path, problems);
      if (
        issue.expression !== undefined &&
        (!Array.isArray(issue.expression) ||
          !issue.expression.every((item) => typeof item === 'string'))
      ) {
        problems.add(`${path}.expression`, 'must be an array of strings');
      }
    });
    const isError = body.issue.some(
      (issue) => isObject(issue) && (issue.severity === 'error' || issue.severity === 'fatal'),
    );
    if (!isError) problems.add('$.issue', 'an error answer needs an issue of severity error|fatal');
  }
  // FHIR JSON, like CDS Hooks, forbids empty values.
  checkNoEmptyValues(body, '$', problems);
  problems.throwIfAny('Not an OperationOutcome', body);
  return body as unknown as OperationOutcome;
}
