import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { localReferences } from '../src/cds-hooks/patient-bundle.js';

/**
 * `npx tsx scripts/bulk-fixture.ts`: the Synthea patients of fixtures/synthea as a FHIR Bulk Data
 * export (`$export`'s NDJSON layout) in fixtures/bulk-export/, for `b12-cds forecast`'s tests:
 * one `<Type>.ndjson` per resource type, every type kept (Claim, ExplanationOfBenefit, Encounter
 * and the rest too, so the tests can show the forecast never reads them), one resource a line.
 * A Bulk export references by `Type/id`, not by a Bundle's `urn:uuid:` full URLs, so every
 * reference to another entry of its Bundle is rewritten as such.
 */

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SYNTHEA = join(ROOT, 'fixtures', 'synthea');
export const BULK_EXPORT = join(ROOT, 'fixtures', 'bulk-export');

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

interface Entry {
  fullUrl?: string;
  resource?: { resourceType: string; id?: string } & Record<string, Json>;
}

/** `value` with each `reference` naming one of `local`'s full URLs rewritten to its `Type/id`. */
function withReferences(value: Json, local: ReadonlyMap<string, string>): Json {
  if (Array.isArray(value)) return value.map((item) => withReferences(item, local));
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, field]) => [
      key,
      key === 'reference' && typeof field === 'string'
        ? (local.get(field) ?? field)
        : withReferences(field, local),
    ]),
  );
}

/** The export's files: resource type → its NDJSON lines, patients in file-name order. */
export function bulkExport(): Map<string, string[]> {
  const byType = new Map<string, string[]>();
  const files = readdirSync(SYNTHEA)
    .filter((file) => file.endsWith('.json'))
    .sort();
  for (const file of files) {
    const bundle = JSON.parse(readFileSync(join(SYNTHEA, file), 'utf8')) as { entry: Entry[] };
    const local = localReferences(bundle.entry);
    for (const { resource } of bundle.entry) {
      if (resource === undefined) continue;
      const lines = byType.get(resource.resourceType) ?? [];
      lines.push(JSON.stringify(withReferences(resource, local)));
      byType.set(resource.resourceType, lines);
    }
  }
  return byType;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  rmSync(BULK_EXPORT, { recursive: true, force: true });
  mkdirSync(BULK_EXPORT, { recursive: true });
  for (const [type, lines] of bulkExport()) {
    writeFileSync(join(BULK_EXPORT, `${type}.ndjson`), `${lines.join('\n')}\n`);
  }
}
