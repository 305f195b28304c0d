import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { asHookRequest } from '../src/cds-hooks/request-body.js';
import type { HookRequestBody } from '../src/cds-hooks/request-body.js';

/**
 * The patients the demo page offers: every request in fixtures/examples and fixtures/cards (one
 * realistic patient per card of the catalog), read once at start.
 */

export const FIXTURES_DIR = fileURLToPath(new URL('../fixtures', import.meta.url));

export interface FixturePatient {
  /** `cards/b12-deficiency-treat`: the fixture's path without `.json`. */
  id: string;
  /** "Aisha Bello, female, born 1981-06-19". */
  label: string;
  /** The hook the fixture was written for, and for a card fixture the card it shows. */
  hook: string;
  card?: string;
  request: HookRequestBody;
}

function patientLabel(request: HookRequestBody): string {
  const patient = request.prefetch?.patient as
    | {
        name?: { given?: string[]; family?: string; text?: string }[];
        gender?: string;
        birthDate?: string;
      }
    | undefined;
  const name = patient?.name?.[0];
  const written = name?.text ?? [...(name?.given ?? []), name?.family ?? ''].join(' ').trim();
  return [
    written === '' ? `Patient ${request.context.patientId}` : written,
    patient?.gender,
    patient?.birthDate === undefined ? undefined : `born ${patient.birthDate}`,
  ]
    .filter((part) => part !== undefined)
    .join(', ');
}

export function readFixturePatients(dir = FIXTURES_DIR): FixturePatient[] {
  return ['examples', 'cards'].flatMap((folder) =>
    readdirSync(join(dir, folder))
      .filter((file) => file.endsWith('.json'))
      .sort()
      .map((file) => {
        const request = asHookRequest(JSON.parse(readFileSync(join(dir, folder, file), 'utf8')));
        const name = file.replace(/\.json$/, '');
        return {
          id: `${folder}/${name}`,
          label: patientLabel(request),
          hook: request.hook,
          ...(folder === 'cards' ? { card: name } : {}),
          request,
        };
      }),
  );
}
