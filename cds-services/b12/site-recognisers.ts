/**
 * Site recognisers (issue 12 item 4): FHIRPath expressions a deployment adds to its clinical
 * configuration (`recognisers` in `CDS_CLINICAL_CONFIG`) for what its EHR and laboratories code
 * locally — Epic flowsheet rows and lab components, formulary ids, local problem-list codes. Each
 * says what a resource it holds on *means*: an analyte, a medication ingredient or a condition set.
 *
 * - Every expression is compiled once, when the configuration is read at start, with the R4 model
 *   (choice types such as `value.ofType(Quantity)` work). One that does not compile, that uses what
 *   a recogniser cannot have (a terminology server, `resolve()`, an unknown `%variable`), that fails
 *   or gives something other than true/false on an empty resource, or that holds on an empty
 *   resource, stops the start (`clinicalConfigFrom` throws a ClinicalConfigError naming it).
 * - A recogniser holds on a resource if and only if its expression gives exactly `[true]`. An empty
 *   result or `[false]` does not hold. Anything else (a coding, a number, several values) does not
 *   hold either and is reported as a failure: end the expression with `.exists()`.
 * - An expression is evaluated only on the resource types its meaning applies to (and, if given,
 *   only on its `resourceTypes`): an expression written for Conditions never runs on an Observation.
 * - An expression that throws on a resource (unexpected data) does not hold; the call goes on and
 *   the failure is passed to the caller's `onError`, if any.
 *
 * The facts call these only for resources that no standard code recognised, and skip the call
 * entirely when `empty` (no recogniser configured).
 */

import { createRequire } from 'node:module';
import type Fhirpath from 'fhirpath';
import type R4Model from 'fhirpath/fhir-context/r4';
import { z } from 'zod';
import {
  ANALYTES,
  ATC_NAMES,
  CONDITION_GROUPS,
  MEDICATION_TEXT,
  RXNORM_INGREDIENTS,
} from './terminology.js';
import type { Analyte, ConditionGroup, Ingredient } from './terminology.js';
import { LOINC, SNOMED } from '../../src/fhir/systems.js';

/**
 * fhirpath.js and its R4 model (about 13 MB) are loaded on the first recogniser: most sites
 * configure none, and the service then never needs them.
 */
let loaded: { fhirpath: typeof Fhirpath; r4: typeof R4Model } | undefined;
function fhirpathEngine(): { fhirpath: typeof Fhirpath; r4: typeof R4Model } {
  if (loaded === undefined) {
    const require = createRequire(import.meta.url);
    loaded = {
      fhirpath: require('fhirpath') as typeof Fhirpath,
      r4: require('fhirpath/fhir-context/r4') as typeof R4Model,
    };
  }
  return loaded;
}

/** A FHIR resource, or an Observation component, as JSON. */
export type FhirJson = Readonly<Record<string, unknown>>;

// ---------------------------------------------------------------------------------------------
// What a recogniser may mean

/** The ingredient names a recogniser may mean: those the rules classify (RULES.md 2.3, 7.2). */
export const SITE_INGREDIENT_NAMES = [
  'metformin',
  'omeprazole',
  'esomeprazole',
  'lansoprazole',
  'pantoprazole',
  'rabeprazole',
  'dexlansoprazole',
  'famotidine',
  'ranitidine',
  'cimetidine',
  'nizatidine',
  'folic acid',
  'hydroxocobalamin',
  'cyanocobalamin',
  'methylcobalamin',
] as const;

export type SiteIngredientName = (typeof SITE_INGREDIENT_NAMES)[number];

/** Each name's ingredient, exactly as the terminology tables classify it (class, cobalamin form). */
export const SITE_INGREDIENTS: Readonly<Record<SiteIngredientName, Ingredient>> = (() => {
  const known = [
    ...Object.values(RXNORM_INGREDIENTS),
    ...Object.values(ATC_NAMES),
    ...MEDICATION_TEXT.map((entry) => entry.ingredient),
  ];
  return Object.fromEntries(
    SITE_INGREDIENT_NAMES.map((name) => {
      const found = known.find((candidate) => candidate.name === name);
      if (!found) throw new Error(`site recognisers: no terminology entry for ingredient ${name}`);
      return [name, Object.freeze({ ...found })];
    }),
  ) as Record<SiteIngredientName, Ingredient>;
})();

export const SITE_ANALYTES = Object.keys(ANALYTES) as readonly Analyte[];
export const SITE_CONDITION_GROUPS = Object.keys(CONDITION_GROUPS) as readonly ConditionGroup[];

/** What a resource a recogniser holds on means: exactly one of the three. */
export type SiteMeaning =
  | { readonly analyte: Analyte }
  | { readonly ingredient: SiteIngredientName }
  | { readonly condition: ConditionGroup };

export type SiteMeaningKind = 'analyte' | 'ingredient' | 'condition';

/** The resource types each kind of recogniser is evaluated on. */
export const SITE_RESOURCE_TYPES = {
  analyte: ['Observation'],
  ingredient: [
    'MedicationRequest',
    'MedicationStatement',
    'MedicationAdministration',
    'Medication',
  ],
  condition: ['Condition', 'Procedure', 'Observation'],
} as const satisfies Record<SiteMeaningKind, readonly string[]>;

export type SiteResourceType = (typeof SITE_RESOURCE_TYPES)[SiteMeaningKind][number];

/** One entry of `recognisers` in the clinical configuration file. */
export interface SiteRecogniserConfig {
  /** A FHIRPath expression over one resource; the recogniser holds where it gives `[true]`. */
  readonly fhirpath: string;
  readonly means: SiteMeaning;
  /** For logs and notes; `recognisers[<index>]` when absent. */
  readonly name?: string;
  /** Narrows the resource types it is evaluated on (default: all those of its kind). */
  readonly resourceTypes?: readonly SiteResourceType[];
}

export const meaningKind = (means: SiteMeaning): SiteMeaningKind =>
  'analyte' in means ? 'analyte' : 'ingredient' in means ? 'ingredient' : 'condition';

// ---------------------------------------------------------------------------------------------
// Compilation (once per configuration entry) and the checks made at start

type Engine = (resource: unknown, envVars?: Record<string, unknown>) => unknown[];

/** A compiled expression, evaluated on one resource (the root of the expression). */
type Evaluator = (root: FhirJson) => unknown[];

/** Compiled expressions, by configuration entry: compiled once, whoever asks first. */
const compiled = new WeakMap<SiteRecogniserConfig, Evaluator>();

/** Functions that need a terminology server, a FHIR server or asynchronous evaluation. */
const UNAVAILABLE_FUNCTIONS = new Set([
  'resolve',
  'memberOf',
  'subsumes',
  'subsumedBy',
  'expand',
  'lookup',
  'validateVS',
  'validateCS',
  'translate',
  'conformsTo',
]);

/** The `%variables` a recogniser has (`%resource` and `%rootResource` are the resource itself). */
const ENVIRONMENT = ['context', 'resource', 'rootResource', 'ucum', 'sct', 'loinc'];

/** Those the service provides (the engine has `%context` and `%ucum`). */
const PROVIDED = new Set(['resource', 'rootResource', 'sct', 'loinc']);

interface AstNode {
  type?: string;
  text?: string;
  children?: AstNode[];
}

/**
 * What the expression uses that recognisers do not have, found in its syntax tree, and whether it
 * reads a `%variable` the service provides (building them costs as much as the evaluation itself).
 */
function inspect(expression: string): { problems: string[]; usesEnvironment: boolean } {
  const problems: string[] = [];
  let usesEnvironment = false;
  const walk = (node: AstNode): void => {
    if (node.type === 'Functn') {
      const name = node.children?.[0]?.text;
      if (name !== undefined && UNAVAILABLE_FUNCTIONS.has(name))
        problems.push(`${name}() needs a server, which recognisers do not have`);
    }
    if (node.type === 'ExternalConstant') {
      const name = node.children?.[0]?.text?.replace(/^`|`$/g, '');
      if (name !== undefined && PROVIDED.has(name)) usesEnvironment = true;
      if (name === undefined || !ENVIRONMENT.includes(name))
        problems.push(
          `%${name ?? '<quoted name>'} is not available (recognisers have %${ENVIRONMENT.join(', %')})`,
        );
    }
    for (const child of node.children ?? []) walk(child);
  };
  walk(fhirpathEngine().fhirpath.parse(expression) as AstNode);
  return { problems, usesEnvironment };
}

/** The first line of an engine message, at most 200 characters (its lists of expected tokens are long). */
function firstLine(message: string): string {
  const line = message.split('\n')[0] ?? message;
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}

/**
 * Compiles `entry`'s expression and checks it; the problem, worded for the configuration's author,
 * or undefined when it may be used. Compiles only once per entry object.
 */
export function siteRecogniserProblem(entry: SiteRecogniserConfig): string | undefined {
  if (compiled.has(entry)) return undefined;
  let engine: Engine;
  try {
    const { fhirpath, r4 } = fhirpathEngine();
    engine = fhirpath.compile(entry.fhirpath, r4, { async: false }) as Engine;
  } catch (error) {
    return `does not compile: ${firstLine((error as Error).message)}`;
  }
  const { problems, usesEnvironment } = inspect(entry.fhirpath);
  if (problems.length > 0) return problems.join('; ');
  const evaluate: Evaluator = usesEnvironment
    ? (root) => engine(root, environment(root))
    : (root) => engine(root);
  // A dry run on an empty resource of each type it applies to.
  for (const resourceType of resourceTypesOf(entry)) {
    const empty = { resourceType };
    let result: unknown[];
    try {
      result = evaluate(empty);
    } catch (error) {
      return `fails on an empty ${resourceType}: ${firstLine((error as Error).message)}`;
    }
    const outcome = outcomeOf(result);
    if (outcome === 'not-boolean')
      return `gives ${JSON.stringify(result).slice(0, 80)} on an empty ${resourceType}, not true or false (end it with .exists())`;
    if (outcome === 'holds')
      return `holds on an empty ${resourceType}: it would recognise resources that say nothing`;
  }
  compiled.set(entry, evaluate);
  return undefined;
}

function evaluatorOf(entry: SiteRecogniserConfig, index: number): Evaluator {
  const problem = siteRecogniserProblem(entry);
  const evaluate = compiled.get(entry);
  if (problem !== undefined || evaluate === undefined)
    throw new Error(`recognisers[${index}] (${entry.fhirpath}): ${problem ?? 'not compiled'}`);
  return evaluate;
}

function resourceTypesOf(entry: SiteRecogniserConfig): readonly SiteResourceType[] {
  return entry.resourceTypes ?? SITE_RESOURCE_TYPES[meaningKind(entry.means)];
}

const environment = (root: unknown): Record<string, unknown> => ({
  resource: root,
  rootResource: root,
  sct: SNOMED,
  loinc: LOINC,
});

type Outcome = 'holds' | 'does-not-hold' | 'not-boolean';

/** The truthiness rule: exactly `[true]` holds; `[]` and `[false]` do not; the rest is an error. */
function outcomeOf(result: unknown[]): Outcome {
  if (result.length === 0) return 'does-not-hold';
  if (result.length === 1 && typeof result[0] === 'boolean')
    return result[0] ? 'holds' : 'does-not-hold';
  return 'not-boolean';
}

// ---------------------------------------------------------------------------------------------
// The configuration file's `recognisers`

const meaningSchema = z.unknown().transform((value, ctx): SiteMeaning => {
  const fail = (message: string): never => {
    ctx.addIssue({ code: 'custom', message });
    return z.NEVER;
  };
  const keys =
    typeof value === 'object' && value !== null && !Array.isArray(value) ? Object.keys(value) : [];
  const [key] = keys;
  if (keys.length !== 1 || (key !== 'analyte' && key !== 'ingredient' && key !== 'condition'))
    return fail(
      'means must be exactly one of { "analyte": … }, { "ingredient": … }, { "condition": … }',
    );
  const named = (value as Record<string, unknown>)[key];
  const allowed: readonly string[] =
    key === 'analyte'
      ? SITE_ANALYTES
      : key === 'ingredient'
        ? SITE_INGREDIENT_NAMES
        : SITE_CONDITION_GROUPS;
  if (typeof named !== 'string' || !allowed.includes(named))
    return fail(
      `unknown ${key} ${JSON.stringify(named)}: expected one of ${allowed.map((name) => `"${name}"`).join(', ')}`,
    );
  return { [key]: named } as SiteMeaning;
});

const ALL_RESOURCE_TYPES = [
  ...new Set(Object.values(SITE_RESOURCE_TYPES).flat()),
] as SiteResourceType[];

/** `recognisers` of the clinical configuration: shapes, meanings, and every expression compiled. */
export const siteRecognisersSchema = z
  .array(
    z
      .strictObject({
        name: z.string().trim().min(1).max(200).optional(),
        fhirpath: z.string().trim().min(1).max(4000),
        means: meaningSchema,
        resourceTypes: z
          .array(z.enum(ALL_RESOURCE_TYPES as [SiteResourceType, ...SiteResourceType[]]))
          .min(1)
          .optional(),
      })
      .superRefine((entry, ctx) => {
        const applicable: readonly string[] = SITE_RESOURCE_TYPES[meaningKind(entry.means)];
        for (const [index, type] of (entry.resourceTypes ?? []).entries())
          if (!applicable.includes(type))
            ctx.addIssue({
              code: 'custom',
              path: ['resourceTypes', index],
              message: `a recogniser of ${meaningKind(entry.means)} applies to ${applicable.join(', ')}, not ${type}`,
            });
      }),
  )
  .max(1000)
  .superRefine((entries, ctx) => {
    for (const [index, entry] of entries.entries()) {
      const problem = siteRecogniserProblem(entry);
      if (problem !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: [index, 'fhirpath'],
          message: `recognisers[${index}]${entry.name === undefined ? '' : ` ("${entry.name}")`} ${JSON.stringify(entry.fhirpath)}: ${problem}`,
        });
    }
  });

// ---------------------------------------------------------------------------------------------
// Recognising

/** A recogniser that failed on a resource: it did not hold there. */
export interface SiteRecogniserFailure {
  /** Its position in `recognisers`, and its name (or `recognisers[<index>]`). */
  index: number;
  name: string;
  resourceType: string;
  /** The resource's id (for a component, its parent's), if it has one. */
  resourceId: string | undefined;
  /** `error`: the expression threw; `not-boolean`: it gave something other than true/false. */
  reason: 'error' | 'not-boolean';
  /** The engine's message. It may quote the resource's data: never log it with patient data. */
  message: string;
}

export interface SiteRecogniserCallOptions {
  /** Called for each recogniser that failed on the resource (it did not hold). */
  onError?: (failure: SiteRecogniserFailure) => void;
  /** Called for each recogniser that held, e.g. to name it in a data note. */
  onMatch?: (recogniser: { index: number; name: string }) => void;
}

export interface AnalyteCallOptions extends SiteRecogniserCallOptions {
  /**
   * When the resource is an Observation component (no `resourceType`), its Observation. The
   * component is seen as an Observation of its own: the parent's fields (status, category, dates,
   * subject, interpretation…) with the component's own fields in their place, never the parent's
   * `code`, `value[x]`, `dataAbsentReason`, `referenceRange` or `component` list.
   */
  parent?: FhirJson;
}

export interface SiteRecognisers {
  /** No recogniser configured: callers skip the calls entirely. */
  readonly empty: boolean;
  /**
   * The analyte of an Observation, or of an Observation component (no `resourceType`; pass the
   * Observation as `parent`): the first analyte recogniser, in configuration order, that holds.
   * Any other resource type: undefined, nothing evaluated.
   */
  analyteOf(observationOrComponent: FhirJson, options?: AnalyteCallOptions): Analyte | undefined;
  /**
   * The ingredients of a MedicationRequest, MedicationStatement, MedicationAdministration or
   * Medication: one per ingredient recogniser that holds, each once, in configuration order.
   */
  ingredientsOf(medicationResource: FhirJson, options?: SiteRecogniserCallOptions): Ingredient[];
  /**
   * The condition sets of a Condition, Procedure or Observation: one per condition recogniser that
   * holds, each once, in configuration order. The facts still apply their status, date and value
   * rules (RULES.md 2.4, 10.2.5).
   */
  conditionGroupsOf(resource: FhirJson, options?: SiteRecogniserCallOptions): ConditionGroup[];
}

interface Prepared {
  index: number;
  name: string;
  means: SiteMeaning;
  evaluate: Evaluator;
}

const EMPTY: SiteRecognisers = Object.freeze({
  empty: true,
  analyteOf: () => undefined,
  ingredientsOf: () => [],
  conditionGroupsOf: () => [],
});

const built = new WeakMap<readonly SiteRecogniserConfig[], SiteRecognisers>();

/**
 * The recognisers of a configuration, compiled once (at `clinicalConfigFrom`, or here on first use
 * for a configuration built in code) and memoised per `recognisers` list.
 */
export function siteRecognisers(config: {
  readonly recognisers: readonly SiteRecogniserConfig[];
}): SiteRecognisers {
  const entries = config.recognisers;
  if (entries.length === 0) return EMPTY;
  const existing = built.get(entries);
  if (existing) return existing;

  /** Recognisers by the resource type they are evaluated on, in configuration order. */
  const byType = new Map<string, Prepared[]>();
  for (const [index, entry] of entries.entries()) {
    const prepared: Prepared = {
      index,
      name: entry.name ?? `recognisers[${index}]`,
      means: entry.means,
      evaluate: evaluatorOf(entry, index),
    };
    for (const type of resourceTypesOf(entry)) {
      const kind = meaningKind(entry.means);
      const key = `${kind} ${type}`;
      byType.set(key, [...(byType.get(key) ?? []), prepared]);
    }
  }

  /** The recognisers of `kind` for `resource`, each evaluated on `root`, that hold. */
  function* holding(
    kind: SiteMeaningKind,
    resourceType: string,
    root: FhirJson,
    resourceId: unknown,
    options: SiteRecogniserCallOptions | undefined,
  ): Generator<Prepared> {
    const candidates = byType.get(`${kind} ${resourceType}`);
    if (!candidates) return;
    for (const recogniser of candidates) {
      let result: unknown[] | undefined;
      let thrown: unknown;
      try {
        result = recogniser.evaluate(root);
      } catch (error) {
        thrown = error;
      }
      const outcome = result === undefined ? 'error' : outcomeOf(result);
      if (outcome === 'holds') {
        options?.onMatch?.({ index: recogniser.index, name: recogniser.name });
        yield recogniser;
      } else if (outcome !== 'does-not-hold' && options?.onError) {
        options.onError({
          index: recogniser.index,
          name: recogniser.name,
          resourceType,
          resourceId: typeof resourceId === 'string' ? resourceId : undefined,
          reason: outcome,
          message:
            outcome === 'error'
              ? thrown instanceof Error
                ? thrown.message
                : String(thrown)
              : `gave ${String(result?.length)} value(s), not a single true or false`,
        });
      }
    }
  }

  const recognisers: SiteRecognisers = {
    empty: false,
    analyteOf(resource, options) {
      let root: FhirJson = resource;
      if (resource.resourceType === undefined) root = asObservation(resource, options?.parent);
      else if (resource.resourceType !== 'Observation') return undefined;
      const id = (options?.parent ?? resource).id;
      for (const recogniser of holding('analyte', 'Observation', root, id, options))
        if ('analyte' in recogniser.means) return recogniser.means.analyte;
      return undefined;
    },
    ingredientsOf(resource, options) {
      const found: Ingredient[] = [];
      if (typeof resource.resourceType !== 'string') return found;
      for (const recogniser of holding(
        'ingredient',
        resource.resourceType,
        resource,
        resource.id,
        options,
      )) {
        if (!('ingredient' in recogniser.means)) continue;
        const ingredient = SITE_INGREDIENTS[recogniser.means.ingredient];
        if (!found.includes(ingredient)) found.push(ingredient);
      }
      return found;
    },
    conditionGroupsOf(resource, options) {
      const found: ConditionGroup[] = [];
      if (typeof resource.resourceType !== 'string') return found;
      for (const recogniser of holding(
        'condition',
        resource.resourceType,
        resource,
        resource.id,
        options,
      )) {
        if (!('condition' in recogniser.means)) continue;
        if (!found.includes(recogniser.means.condition)) found.push(recogniser.means.condition);
      }
      return found;
    },
  };
  built.set(entries, recognisers);
  return recognisers;
}

/** Fields of a component that replace the parent's when it is seen as an Observation. */
const COMPONENT_OWN = /^(code|component|value[A-Z]\w*|dataAbsentReason|referenceRange)$/;

/** An Observation component as an Observation of its own (see {@link AnalyteCallOptions.parent}). */
function asObservation(component: FhirJson, parent: FhirJson | undefined): FhirJson {
  const inherited = Object.fromEntries(
    Object.entries(parent ?? {}).filter(([key]) => !COMPONENT_OWN.test(key)),
  );
  return { ...inherited, ...component, resourceType: 'Observation' };
}
