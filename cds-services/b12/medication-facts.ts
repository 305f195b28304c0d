import { codesOf, lookup, mapDefined, textOf } from '../../src/fhir/coding.js';
import { rememberedByText } from '../../src/fhir/remembered.js';
import type { Code } from '../../src/fhir/coding.js';
import type { EpochDay } from '../../src/fhir/dates.js';
import type { MedicationResourceType, MedicationUse } from '../../src/fhir/medications.js';
import type { DataRulesConfig } from './clinical-config.js';
import type { SiteRecognisers } from './site-recognisers.js';
import {
  ANY_MEDICATION_TEXT,
  CYANIDE_ANTIDOTE_MIN_MG,
  CYANOKIT_TEXT,
  MEDICATION_TEXT,
  MULTIVITAMIN_TEXT,
  OTHER_RISK_DRUG_TEXT,
  ROUTE_CODES,
  ROUTE_TEXT,
  RXNORM_INGREDIENTS,
  RXNORM_PRODUCTS,
  classifyAtc,
  isAtcCobalaminCombination,
} from './terminology.js';
import type { CobalaminForm, Ingredient, MedicationClass, Route } from './terminology.js';
import { ATC, RXNORM, SNOMED } from '../../src/fhir/systems.js';

/** A medication as the rules see it (RULES.md 2.3). */
export interface MedicationFact {
  id: string | undefined;
  resourceType: MedicationResourceType;
  status: 'current' | 'history' | 'draft';
  /** What a clinician would call it: the recognised ingredient names, or the order's own text. */
  name: string;
  classes: MedicationClass[];
  /** Ingredient names, e.g. `omeprazole`, used in card wording. */
  ingredients: string[];
  cobalaminForms: CobalaminForm[];
  /** How the class was recognised; `text` is the reported last resort. */
  recognisedBy: 'rxnorm' | 'atc' | 'site' | 'text';
  /** Recognised by name although coded: the first code, which the service does not list (RULES.md 10.5.3). */
  unlistedCode?: Code;
  /** A product whose only active ingredient is a cobalamin (never a multivitamin, RULES.md 2.3). */
  isB12Therapy: boolean;
  startDay: EpochDay | undefined;
  endDay: EpochDay | undefined;
  route: Route | undefined;
  /** Milligrams per day where it can be worked out (folic acid rules); `undefined` is unknown. */
  dailyDoseMg: number | undefined;
}

/** Continuous use of one class up to today (RULES.md 2.3). */
export interface Exposure {
  /** Earliest start in the chain; `undefined` when no current request has a start date. */
  startDay: EpochDay | undefined;
  /** Today − start; `undefined` when the duration is unknown (then no duration-based risk). */
  days: number | undefined;
  /** Ingredient names of the current requests, e.g. `omeprazole`. */
  drugs: string[];
}

interface Classification {
  ingredients: Ingredient[];
  recognisedBy: MedicationFact['recognisedBy'];
  strengthMg: number | undefined;
  injectable: boolean;
  combination: boolean;
  /** A cyanide antidote (Cyanokit), listed as such in the product table (RULES.md 10.4.5). */
  antidote?: boolean;
}

/** What `read` finds in each of the use's medication concepts, in order. */
function conceptsRead<T>(use: MedicationUse, read: (concept: unknown) => T[]): T[] {
  const found: T[] = [];
  for (const concept of use.concepts) found.push(...read(concept));
  return found;
}

function byCode(use: MedicationUse, texts: readonly string[]): Classification | undefined {
  const codes = conceptsRead(use, codesOf);
  const rxnorm = codes.filter((code) => code.system === RXNORM);
  const products = mapDefined(rxnorm, (code) => lookup(RXNORM_PRODUCTS, code.code));
  const ingredients = [
    ...products.flatMap((product) => product.ingredients),
    ...mapDefined(rxnorm, (code) => lookup(RXNORM_INGREDIENTS, code.code)),
  ];
  if (ingredients.length > 0) {
    return {
      ingredients,
      recognisedBy: 'rxnorm',
      strengthMg: products.find((product) => product.strengthMg !== undefined)?.strengthMg,
      injectable: products.some((product) => product.injectable),
      combination: products.some((product) => product.combination),
      antidote: products.some((product) => product.notB12Therapy),
    };
  }
  const atc = codes.filter((code) => code.system === ATC);
  const text = texts.join(' ');
  const atcIngredients = mapDefined(atc, (code) => classifyAtc(code.code, text));
  if (atcIngredients.length === 0) return undefined;
  return {
    ingredients: atcIngredients,
    recognisedBy: 'atc',
    strengthMg: undefined,
    injectable: false,
    combination: atc.some((code) => isAtcCobalaminCombination(code.code)),
  };
}

/** The same names come in request after request, and their patterns are long. */
const byText = rememberedByText(5000, (text): Classification | undefined => {
  if (!ANY_MEDICATION_TEXT.test(text)) return undefined;
  const found = MEDICATION_TEXT.filter((entry) => entry.pattern.test(text));
  // "Hydroxocobalamin (vitamin B12)" names one ingredient: the cobalamin named outright.
  const named = found.some((entry) => entry.ingredient.class === 'b12' && !entry.generic);
  const ingredients = found
    .filter((entry) => !(named && entry.generic))
    .map((entry) => entry.ingredient);
  if (ingredients.length === 0) return undefined;
  Object.freeze(ingredients);
  return Object.freeze({
    ingredients,
    recognisedBy: 'text',
    strengthMg: undefined,
    injectable: false,
    combination: false,
  });
});

/**
 * The route a cobalamin product's name or form implies when no route is given (RULES.md 10.4.6),
 * first match wins: an injection without a route is taken as IM, so that the platelet check of
 * 5.13 is never skipped; "1 MG/ML Injectable Solution" is measured per mL, so injected.
 */
const PRODUCT_ROUTE_TEXT: readonly { pattern: RegExp; route: Route }[] = [
  { pattern: /\bnasal\b|\bspray\b/i, route: 'nasal' },
  { pattern: /\bsublingual\b|\bSL\b/, route: 'sublingual' },
  { pattern: /\b(intramuscular|im|inject\w*|inj)\b/i, route: 'intramuscular' },
  { pattern: /\b(oral|tab(let)?s?|cap(sule)?s?|po|lozenges?)\b/i, route: 'oral' },
  { pattern: /\/\s*ml\b/i, route: 'intramuscular' },
];

function routeOf(
  use: MedicationUse,
  classification: Classification,
  texts: readonly string[],
): Route | undefined {
  const route = use.dosage?.route;
  const coded = codesOf(route).find(
    (code) => code.system === SNOMED && lookup(ROUTE_CODES, code.code) !== undefined,
  );
  if (coded) return lookup(ROUTE_CODES, coded.code);
  const routeText = [...textOf(route), use.dosage?.text ?? ''].join(' ');
  const written = ROUTE_TEXT.find((entry) => entry.pattern.test(routeText));
  if (written) return written.route;
  // A route that is given but not one of these (intravenous, say) is not assumed to be IM.
  if (codesOf(route).length > 0 || textOf(route).length > 0) return undefined;
  if (!classification.ingredients.some((found) => found.class === 'b12')) return undefined;
  if (classification.injectable) return 'intramuscular';
  const name = texts.join(' ');
  return PRODUCT_ROUTE_TEXT.find((entry) => entry.pattern.test(name))?.route;
}

const MG_PER_UNIT: Readonly<Record<string, number>> = {
  mg: 1,
  g: 1000,
  ug: 0.001,
  mcg: 0.001,
  microgram: 0.001,
  micrograms: 0.001,
};

/** Dose forms counted in units of the product's strength (one tablet = one strength). */
const DOSE_UNIT = /^\{?(pill|tablet|tab|tbl|capsule|cap|unit)s?\}?$|^1$/i;

const STRENGTH_TEXT = /(\d+(?:\.\d+)?)\s*(mg|micrograms?|mcg|ug|g)\b/i;

function strengthFromText(texts: readonly string[]): number | undefined {
  for (const text of texts) {
    const match = STRENGTH_TEXT.exec(text);
    if (match)
      return Number(match[1]) * (lookup(MG_PER_UNIT, (match[2] ?? '').toLowerCase()) ?? NaN);
  }
  return undefined;
}

/** "5 mg daily", "5 mg total": a dose per day written in the instructions (RULES.md 10.4.7). */
const DAILY_DOSE_TEXT =
  /(\d+(?:\.\d+)?)\s*(mg|micrograms?|mcg|ug)\s+(?:total|daily|a day|per day|once daily)\b/i;
/** "take 2 tablets": units per administration (RULES.md 10.4.7). */
const UNITS_TEXT = /\btake\s+(\d+(?:\.\d+)?)\s*(?:tablets?|tabs?|capsules?|caps?|pills?)\b/i;

/**
 * mg/day (RULES.md 2.3, 10.4.7): the dose quantity (mg; micrograms ÷ 1000); without one, the
 * instructions' "N mg daily", or "take N tablets" × the product strength, else one unit of the
 * product strength per administration; times administrations per day. Anything else is unknown,
 * which the folate rules treat as more than 1 mg a day.
 */
function dailyDoseMg(
  use: MedicationUse,
  classification: Classification,
  texts: readonly string[],
): number | undefined {
  const instructions = use.dosage?.text ?? '';
  const daily = DAILY_DOSE_TEXT.exec(instructions);
  if (!use.dosage?.dose && daily) {
    return Number(daily[1]) * (lookup(MG_PER_UNIT, (daily[2] ?? '').toLowerCase()) ?? NaN);
  }
  const perDay = use.dosage ? use.dosage.perDay : 1;
  if (perDay === undefined) return undefined;
  const strength = classification.strengthMg ?? strengthFromText(texts);
  const dose = use.dosage?.dose;
  if (!dose) {
    const units = Number(UNITS_TEXT.exec(instructions)?.[1] ?? 1);
    return strength === undefined ? undefined : units * strength * perDay;
  }
  const mgPerUnit = lookup(MG_PER_UNIT, dose.unit.toLowerCase());
  if (mgPerUnit !== undefined) return dose.value * mgPerUnit * perDay;
  if (DOSE_UNIT.test(dose.unit) && strength !== undefined) return dose.value * strength * perDay;
  return undefined;
}

const unique = <T>(values: readonly T[]): T[] => [...new Set(values)];

/**
 * Hydroxocobalamin for cyanide poisoning (Cyanokit 5 g IV; any hydroxocobalamin product of 2.5 g
 * or more) is an antidote, not B12 therapy, and never triggers a B12 card (RULES.md 10.4.5).
 */
function isCyanideAntidote(classification: Classification, texts: readonly string[]): boolean {
  const text = texts.join(' ');
  if (classification.antidote === true || CYANOKIT_TEXT.test(text)) return true;
  if (!classification.ingredients.some((found) => found.form === 'hydroxocobalamin')) return false;
  // Cyanokit's name gives its strength in grams ("5 G").
  const strengthMg = classification.strengthMg ?? strengthFromText(texts);
  return strengthMg !== undefined && strengthMg >= CYANIDE_ANTIDOTE_MIN_MG;
}

/** The first coding of a medication recognised by name: a code the service does not list. */
const firstCode = (use: MedicationUse): Code | undefined => conceptsRead(use, codesOf)[0];

/** What a site's own recognisers say the medication is (docs/configuration.md), if anything. */
function bySite(use: MedicationUse, site: SiteRecognisers | undefined): Classification | undefined {
  if (site === undefined || site.empty) return undefined;
  const ingredients = use.sources.flatMap((source) => site.ingredientsOf(source));
  if (ingredients.length === 0) return undefined;
  return {
    ingredients,
    recognisedBy: 'site',
    strengthMg: undefined,
    injectable: false,
    combination: false,
  };
}

/**
 * Classifies a medication use; `undefined` when it is none of the classes the rules read. A
 * site's recognisers are asked only when no standard code recognised it, before its name is.
 */
export function medicationFact(
  use: MedicationUse,
  site?: SiteRecognisers,
): MedicationFact | undefined {
  if (use.status === 'ignored') return undefined;
  const texts = conceptsRead(use, textOf);
  if (use.referenceDisplay) texts.push(use.referenceDisplay);
  const classification = byCode(use, texts) ?? bySite(use, site) ?? byText(texts.join(' '));
  if (!classification || isCyanideAntidote(classification, texts)) return undefined;
  const unlistedCode = classification.recognisedBy === 'text' ? firstCode(use) : undefined;
  const classes = unique(classification.ingredients.map((found) => found.class));
  const names = unique(classification.ingredients.map((found) => found.name));
  return {
    id: use.id,
    resourceType: use.resourceType,
    status: use.status,
    name:
      classification.recognisedBy === 'text' ? (texts[0] ?? names.join(' / ')) : names.join(' / '),
    classes,
    ingredients: names,
    cobalaminForms: unique(
      classification.ingredients.flatMap((found) => (found.form ? [found.form] : [])),
    ),
    recognisedBy: classification.recognisedBy,
    ...(unlistedCode ? { unlistedCode } : {}),
    isB12Therapy:
      classes.length === 1 &&
      classes[0] === 'b12' &&
      !classification.combination &&
      use.ingredientCount <= 1 &&
      !texts.some((text) => MULTIVITAMIN_TEXT.test(text)),
    startDay: use.startDay,
    endDay: use.endDay,
    route: routeOf(use, classification, texts),
    dailyDoseMg: dailyDoseMg(use, classification, texts),
  };
}

/** A current medication NG239 lists as a further risk (colchicine, topiramate, ...), by name. */
export function otherRiskDrug(use: MedicationUse): string | undefined {
  if (use.status !== 'current') return undefined;
  const text = conceptsRead(use, textOf).join(' ') + (use.referenceDisplay ?? '');
  return OTHER_RISK_DRUG_TEXT.exec(text)?.[0].toLowerCase();
}

/**
 * Continuous use (RULES.md 2.3): from each current request, chain backwards over earlier
 * requests of the same kind while each started at most `drugChainGapDays` before the next; the
 * exposure starts at the earliest start reached. No current request means no exposure.
 */
export function exposureOf(
  facts: readonly MedicationFact[],
  today: EpochDay,
  config: Pick<DataRulesConfig, 'drugChainGapDays'>,
): Exposure | undefined {
  const current = facts.filter((fact) => fact.status === 'current');
  if (current.length === 0) return undefined;
  const starts = facts
    .filter((fact) => fact.status !== 'draft')
    .flatMap((fact) => (fact.startDay === undefined ? [] : [fact.startDay]))
    .sort((a, b) => b - a);
  let earliest: EpochDay | undefined;
  for (const fact of current) {
    if (fact.startDay === undefined) continue;
    let chainStart = fact.startDay;
    for (const start of starts) {
      if (start < chainStart && chainStart - start <= config.drugChainGapDays) chainStart = start;
    }
    earliest = earliest === undefined ? chainStart : Math.min(earliest, chainStart);
  }
  return {
    startDay: earliest,
    days: earliest === undefined ? undefined : today - earliest,
    drugs: unique(current.flatMap((fact) => fact.ingredients)),
  };
}
