import { cardCode } from '../src/cds-hooks/cards.js';
import type { Card } from '../src/cds-hooks/cards.js';
import type { HookName } from '../src/cds-hooks/hooks.js';
import { hookRequest } from './patient.js';
import type { GeneratedPatient } from './patient.js';

/**
 * The hook calls the benchmark sends, shared by the in-process rows (run.ts) and the A/B rows
 * (ab.ts), so both load the same URL with the same body and check the same cards.
 */

export const hookUrl = (baseUrl: string, hook: HookName): string =>
  `${baseUrl}/cds-services/b12-${hook}`;

/** The request body; with `fhirServer`, no prefetch (the FHIR fallback rows). */
export const body = (hook: HookName, patient: GeneratedPatient, fhirServer?: string): string =>
  JSON.stringify(
    hookRequest(hook, patient, fhirServer === undefined ? {} : { prefetch: false, fhirServer }),
  );

export const codesOf = (cards: readonly Card[]): string[] => cards.map(cardCode);

/** One call before the load: it must answer 200 with the expected card. */
export async function checkOnce(url: string, body: string, expected: string): Promise<Card[]> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${url} answered ${response.status}: ${text}`);
  const { cards } = JSON.parse(text) as { cards: Card[] };
  const codes = codesOf(cards);
  if (!codes.includes(expected)) {
    throw new Error(`${url} gave cards ${codes.join(', ')}, expected ${expected}`);
  }
  return cards;
}
