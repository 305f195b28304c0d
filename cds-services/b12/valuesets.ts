/**
 * The service's code lists as FHIR R4 ValueSets (knowledge/valuesets/*.json), read once when the
 * module loads: the rule book's codes are data a terminologist can review, not TypeScript. Every
 * file is validated here, so a typo stops the service at start-up with the file's name rather
 * than silently dropping a code. terminology.ts turns the sets into the lookup tables the rules use.
 */

import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { UCUM } from '../../src/fhir/systems.js';

export const VALUE_SET_BASE = 'https://b12-cds.org/fhir/ValueSet/';
export const EXTENSION_BASE = 'https://b12-cds.org/fhir/StructureDefinition/';
export const DESIGNATION_USE_SYSTEM = 'https://b12-cds.org/fhir/CodeSystem/designation-use';

/** Confidence of a code as RULES.md 7 grades it: V confirmed, M one secondary source, U unverified. */
export type Confidence = 'V' | 'M' | 'U';

const text = z.string().trim().min(1);
/** FHIR `code`: no leading or trailing white space. */
const code = z.string().regex(/^\S(?:.*\S)?$/, 'a code without surrounding white space');

const coding = z.strictObject({
  system: z.url().optional(),
  code: code.optional(),
  display: text,
});

const quantity = z.strictObject({
  value: z.number().nonnegative(),
  unit: text,
  system: z.literal(UCUM),
  code,
});

/** A simple extension: exactly one value[x]. */
const valueExtension = z
  .strictObject({
    url: text,
    valueString: text.optional(),
    valueCode: code.optional(),
    valueBoolean: z.boolean().optional(),
    valueUri: z.url().optional(),
    valueCoding: coding.optional(),
    valueQuantity: quantity.optional(),
  })
  .refine((extension) => Object.keys(extension).length === 2, {
    message: 'an extension has exactly one value[x]',
  });

/** A complex extension: sub-extensions, named by relative url, and no value. */
const complexExtension = z.strictObject({ url: text, extension: z.array(valueExtension).min(1) });

const extension = z.union([valueExtension, complexExtension]);
const projectExtensions = z
  .array(extension)
  .refine((list) => list.every((item) => item.url.startsWith(EXTENSION_BASE)), {
    message: `extension urls start with ${EXTENSION_BASE}`,
  });

const designation = z.strictObject({
  use: z.strictObject({ system: z.url(), code, display: text.optional() }),
  value: text,
});

const confidences: readonly Confidence[] = ['V', 'M', 'U'];

const concept = z
  .strictObject({
    code,
    display: text,
    extension: projectExtensions.optional(),
    designation: z.array(designation).min(1).optional(),
  })
  .superRefine((value, context) => {
    // Every code cites where it came from and how sure the rule book is of it (RULES.md 7).
    const source = value.extension?.find((item) => item.url === `${EXTENSION_BASE}source`);
    if (!source || !('valueString' in source) || source.valueString === undefined)
      context.addIssue({
        code: 'custom',
        message: `concept ${value.code} has no source extension`,
      });
    const confidence = value.extension?.find((item) => item.url === `${EXTENSION_BASE}confidence`);
    if (
      !confidence ||
      !('valueCode' in confidence) ||
      !confidences.includes(confidence.valueCode as Confidence)
    )
      context.addIssue({
        code: 'custom',
        message: `concept ${value.code} has no confidence extension of V, M or U`,
      });
  });

const include = z
  .strictObject({
    extension: projectExtensions.optional(),
    system: z.url(),
    concept: z.array(concept).min(1),
  })
  .refine(
    (value) => new Set(value.concept.map((item) => item.code)).size === value.concept.length,
    { message: 'a code appears twice in one include' },
  );

const valueSetSchema = z
  .strictObject({
    resourceType: z.literal('ValueSet'),
    id: z.string().regex(/^[A-Za-z0-9\-.]{1,64}$/, 'a FHIR id'),
    extension: projectExtensions.optional(),
    url: z.url().startsWith(VALUE_SET_BASE),
    name: z.string().regex(/^[A-Z][A-Za-z0-9_]{0,254}$/, 'a FHIR name'),
    title: text,
    status: z.enum(['draft', 'active', 'retired']),
    description: text,
    compose: z.strictObject({ include: z.array(include).min(1) }),
  })
  .refine((value) => value.url === `${VALUE_SET_BASE}${value.id}`, {
    message: 'url is the base followed by the id',
    path: ['url'],
  });

export type ValueSet = z.infer<typeof valueSetSchema>;
export type ValueSetInclude = ValueSet['compose']['include'][number];
export type ValueSetConcept = ValueSetInclude['concept'][number];
export type Extension = z.infer<typeof extension>;
type Extensible = { extension?: readonly Extension[] | undefined };

/** Reads and validates one ValueSet file; the error names the file and the problem. */
export function readValueSetFile(path: string): ValueSet {
  const name = path.split(/[\\/]/).pop() ?? path;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`ValueSet file ${name}: ${(error as Error).message}`, { cause: error });
  }
  const parsed = valueSetSchema.safeParse(json);
  if (!parsed.success)
    throw new Error(`ValueSet file ${name} is not valid:\n${z.prettifyError(parsed.error)}`);
  if (`${parsed.data.id}.json` !== name)
    throw new Error(`ValueSet file ${name}: its id ${parsed.data.id} does not match the file name`);
  return parsed.data;
}

let loads = 0;

/** Every `*.json` ValueSet in `directory`, by id. Throws on the first invalid file. */
export function loadValueSets(directory: string): ReadonlyMap<string, ValueSet> {
  loads++;
  const files = readdirSync(directory)
    .filter((file) => file.endsWith('.json'))
    .sort();
  if (files.length === 0) throw new Error(`no ValueSet files in ${directory}`);
  const byId = new Map<string, ValueSet>();
  for (const file of files) {
    const valueSet = readValueSetFile(join(directory, file));
    byId.set(valueSet.id, valueSet);
  }
  return byId;
}

/** How often ValueSets were read: once at start-up, never per request (guarded by a test). */
export const valueSetLoads = (): number => loads;

export const KNOWLEDGE_DIRECTORY = fileURLToPath(new URL('knowledge/valuesets/', import.meta.url));

/** The service's ValueSets, read once at module load. */
export const VALUE_SETS: ReadonlyMap<string, ValueSet> = loadValueSets(KNOWLEDGE_DIRECTORY);

/** A ValueSet by id; a missing one is a programming error, found at start-up. */
export function valueSet(id: string, sets: ReadonlyMap<string, ValueSet> = VALUE_SETS): ValueSet {
  const found = sets.get(id);
  if (!found) throw new Error(`unknown ValueSet ${id}`);
  return found;
}

/** The concepts of a ValueSet, with their systems; only those of `system` if given. */
export function conceptsOf(
  id: string,
  system?: string,
): { system: string; include: ValueSetInclude; concept: ValueSetConcept }[] {
  return valueSet(id).compose.include.flatMap((entry) =>
    system !== undefined && entry.system !== system
      ? []
      : entry.concept.map((item) => ({ system: entry.system, include: entry, concept: item })),
  );
}

/** The codes of a ValueSet in one system. */
export const codesIn = (id: string, system: string): string[] =>
  conceptsOf(id, system).map((entry) => entry.concept.code);

/** The extensions of `element` named `name` (full url under {@link EXTENSION_BASE}, or relative). */
export function extensionsOf(element: Extensible, name: string): Extension[] {
  return (element.extension ?? []).filter(
    (item) => item.url === name || item.url === `${EXTENSION_BASE}${name}`,
  );
}

const first = (element: Extensible, name: string): Extension | undefined =>
  extensionsOf(element, name)[0];

const valueOf = <K extends 'valueString' | 'valueCode' | 'valueBoolean' | 'valueUri'>(
  element: Extensible,
  name: string,
  key: K,
): z.infer<typeof valueExtension>[K] | undefined => {
  const found = first(element, name);
  return found && key in found ? (found as z.infer<typeof valueExtension>)[key] : undefined;
};

export const stringExtension = (element: Extensible, name: string): string | undefined =>
  valueOf(element, name, 'valueString');
export const codeExtension = (element: Extensible, name: string): string | undefined =>
  valueOf(element, name, 'valueCode');
export const booleanExtension = (element: Extensible, name: string): boolean | undefined =>
  valueOf(element, name, 'valueBoolean');
export const uriExtension = (element: Extensible, name: string): string | undefined =>
  valueOf(element, name, 'valueUri');

export function codingExtension(
  element: Extensible,
  name: string,
): z.infer<typeof coding> | undefined {
  const found = first(element, name);
  return found && 'valueCoding' in found ? found.valueCoding : undefined;
}

export function quantityExtension(
  element: Extensible,
  name: string,
): z.infer<typeof quantity> | undefined {
  const found = first(element, name);
  return found && 'valueQuantity' in found ? found.valueQuantity : undefined;
}

/** The sub-extensions of each complex extension `name` of `element`. */
export const complexExtensions = (element: Extensible, name: string): Extensible[] =>
  extensionsOf(element, name).map((item) => ({
    extension: 'extension' in item ? item.extension : [],
  }));

/** A concept's designations of one use (e.g. `brand-name`). */
export const designationsOf = (item: ValueSetConcept, use: string): string[] =>
  (item.designation ?? [])
    .filter((entry) => entry.use.system === DESIGNATION_USE_SYSTEM && entry.use.code === use)
    .map((entry) => entry.value);

export const sourceOf = (item: ValueSetConcept): string => stringExtension(item, 'source') ?? '';
export const confidenceOf = (item: ValueSetConcept): Confidence =>
  codeExtension(item, 'confidence') as Confidence;
