import type { HookName } from './hooks.js';

/**
 * Prefetch template tokens (CDS Hooks 2.0 §Prefetch tokens): `{{context.<field>}}` for a
 * root-level primitive context field the hook marks as tokenizable, and the four user tokens
 * derived from `context.userId`.
 */

const TOKEN = /\{\{\s*([^{}]*?)\s*\}\}/g;

/** Context fields each hook allows in tokens (CDS Hooks Library 1.0.1; `selections` and `draftOrders` never). */
const TOKENIZABLE_CONTEXT: Readonly<Record<HookName, readonly string[]>> = {
  'patient-view': ['userId', 'patientId', 'encounterId'],
  'order-select': ['userId', 'patientId', 'encounterId'],
  'order-sign': ['userId', 'patientId', 'encounterId'],
};

/** User tokens and the resource type `context.userId` must have for each. */
const USER_TOKENS: Readonly<Record<string, string>> = {
  userPractitionerId: 'Practitioner',
  userPractitionerRoleId: 'PractitionerRole',
  userPatientId: 'Patient',
  userRelatedPersonId: 'RelatedPerson',
};

export class TemplateTokenError extends Error {
  override name = 'TemplateTokenError';
}

const tokensOf = (template: string): string[] =>
  [...template.matchAll(TOKEN)].map((match) => match[1] ?? '');

/** Throws unless every token of the template is one the hook can supply; run when a service is declared. */
export function checkTemplate(template: string, hook: HookName): void {
  for (const token of tokensOf(template)) {
    const field = token.startsWith('context.') ? token.slice('context.'.length) : undefined;
    const valid =
      field === undefined ? token in USER_TOKENS : TOKENIZABLE_CONTEXT[hook].includes(field);
    if (!valid)
      throw new TemplateTokenError(`prefetch token {{${token}}} is not available in ${hook}`);
  }
}

function tokenValue(token: string, context: Readonly<Record<string, unknown>>): string {
  if (token.startsWith('context.')) {
    const value = context[token.slice('context.'.length)];
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      return String(value);
    }
    throw new TemplateTokenError(`the request context has no value for {{${token}}}`);
  }
  const userId = typeof context.userId === 'string' ? context.userId : '';
  const [type, id] = userId.split('/');
  if (type === USER_TOKENS[token] && id) return id;
  throw new TemplateTokenError(
    `context.userId is not a ${USER_TOKENS[token] ?? token}, so {{${token}}} has no value`,
  );
}

/** Substitutes the tokens (URL-encoded) to give a relative FHIR read or search URL. */
export function renderTemplate(
  template: string,
  context: Readonly<Record<string, unknown>>,
): string {
  return template.replace(TOKEN, (_match, token: string) =>
    encodeURIComponent(tokenValue(token, context)),
  );
}
