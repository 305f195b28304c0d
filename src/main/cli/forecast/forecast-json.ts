import { z } from 'zod';
import { INDICATORS } from '../../../cds-hooks/cards.js';
import { HOOKS } from '../../../cds-hooks/hooks.js';
import { InputError } from '../errors.js';

/**
 * A forecast as `--json` prints it. Every number but `per1000` is a count of patients, so the
 * forecasts of the shards of a population add up to the population's by plain sums (rates are
 * computed again from the sums): {@link sumForecasts}, `b12-cds forecast --sum`.
 */

export const AGE_BANDS = ['<40', '40–59', '60–74', '75+', 'unknown'] as const;
export type AgeBand = (typeof AGE_BANDS)[number];

export function ageBand(age: number | undefined): AgeBand {
  if (age === undefined) return 'unknown';
  return age < 40 ? '<40' : age < 60 ? '40–59' : age < 75 ? '60–74' : '75+';
}

const counts = z.record(z.string(), z.number().int().nonnegative());
const bands = z.object(
  Object.fromEntries(AGE_BANDS.map((band) => [band, z.number().int().nonnegative()])) as Record<
    AgeBand,
    z.ZodNumber
  >,
);

const cardSchema = z.object({
  hook: z.enum(HOOKS),
  code: z.string(),
  indicator: z.string(),
  /**
   * The card is silent in the clinical configuration (issue 18): its patients are those it would
   * have been shown to.
   */
  silent: z.literal(true).optional(),
  /** Patients given the card on this hook. */
  patients: z.number().int().nonnegative(),
  per1000: z.number(),
  /** Of those patients, how many had each triggering fact. */
  facts: counts,
  /** Of those patients, how many in each age band. */
  ageBands: bands,
});

export const forecastSchema = z.object({
  date: z.string(),
  hooks: z.array(z.enum(HOOKS)),
  draft: z.string().optional(),
  /** `i/n`, or `i+j/n` for a sum of some of the shards; absent for a whole population. */
  shard: z.string().optional(),
  /** Patients evaluated (those the service refused are counted in `dataQuality.notEvaluated`). */
  patients: z.number().int().nonnegative(),
  ageBands: bands,
  cards: z.array(cardSchema),
  dataQuality: z.object({
    /** Patients recorded as dead: evaluated, and given no cards (RULES.md 10.1.1). */
    deceased: z.number().int().nonnegative(),
    /** Patients with results that could not be read, by analyte and reason. */
    unusableResults: counts,
    /** Patients with records recognised by their name only, by the code the service lacks. */
    recognisedByName: counts,
    /** Patients the service refused, by reason (its HTTP status). */
    notEvaluated: counts,
    /** Resources of the types the rules read that name no patient, by type. */
    resourcesWithoutPatient: counts,
    /** Patient ids that resources name but no Patient resource gives. */
    patientsWithoutPatientResource: z.number().int().nonnegative(),
  }),
});

export type Forecast = z.infer<typeof forecastSchema>;
export type CardCount = Forecast['cards'][number];

export const noBands = (): Record<AgeBand, number> =>
  Object.fromEntries(AGE_BANDS.map((band) => [band, 0])) as Record<AgeBand, number>;

/**
 * The indicators a card was shown with, least severe first ("warning / critical": a card's
 * indicator may depend on the patient, RULES.md 5.13), from two such lists.
 */
export function indicators(a: string, b: string): string {
  const all = new Set([...a.split(' / '), ...b.split(' / ')].filter((word) => word !== ''));
  const rank = (word: string): number => (INDICATORS as readonly string[]).indexOf(word);
  return [...all].sort((x, y) => rank(x) - rank(y)).join(' / ');
}

/** Patients per 1,000, to one decimal. */
export const per1000 = (patients: number, of: number): number =>
  of === 0 ? 0 : Math.round((patients * 10_000) / of) / 10;

/** Counts most frequent first (then by name): the order of the JSON and of the tables. */
export function byCount(record: Readonly<Record<string, number>>): Record<string, number> {
  return Object.fromEntries(
    Object.entries(record).sort(([a, m], [b, n]) => n - m || (a < b ? -1 : a > b ? 1 : 0)),
  );
}

export function addCounts(
  into: Record<string, number>,
  from: Readonly<Record<string, number>>,
): void {
  for (const [key, count] of Object.entries(from)) into[key] = (into[key] ?? 0) + count;
}

/**
 * The forecast as printed: rates computed from the counts, cards by hook (in the hooks' order),
 * most patients first, then by code; every count most frequent first.
 */
export function finished(forecast: Forecast): Forecast {
  const cards = forecast.cards
    .map((card) => ({
      hook: card.hook,
      code: card.code,
      indicator: card.indicator,
      ...(card.silent ? { silent: card.silent } : {}),
      patients: card.patients,
      per1000: per1000(card.patients, forecast.patients),
      facts: byCount(card.facts),
      ageBands: card.ageBands,
    }))
    .sort(
      (a, b) =>
        HOOKS.indexOf(a.hook) - HOOKS.indexOf(b.hook) ||
        b.patients - a.patients ||
        (a.code < b.code ? -1 : 1),
    );
  const quality = forecast.dataQuality;
  return {
    ...forecast,
    cards,
    dataQuality: {
      ...quality,
      unusableResults: byCount(quality.unusableResults),
      recognisedByName: byCount(quality.recognisedByName),
      notEvaluated: byCount(quality.notEvaluated),
      resourcesWithoutPatient: byCount(quality.resourcesWithoutPatient),
    },
  };
}

/** A forecast of no patients yet, to add to. */
export const emptyForecast = (
  header: Pick<Forecast, 'date' | 'hooks' | 'draft' | 'shard'>,
): Forecast => ({
  date: header.date,
  hooks: header.hooks,
  ...(header.draft === undefined ? {} : { draft: header.draft }),
  ...(header.shard === undefined ? {} : { shard: header.shard }),
  patients: 0,
  ageBands: noBands(),
  cards: [],
  dataQuality: {
    deceased: 0,
    unusableResults: {},
    recognisedByName: {},
    notEvaluated: {},
    resourcesWithoutPatient: {},
    patientsWithoutPatientResource: 0,
  },
});

/** `1+3/4` from shards `1/4` and `3/4`; none when all n shards are there. */
function shardsOf(shards: readonly string[]): string | undefined {
  const parsed = shards.map((shard) => {
    const [indices = '', count = ''] = shard.split('/');
    return { indices: indices.split('+').map(Number), count: Number(count) };
  });
  const count = parsed[0]?.count ?? 0;
  if (parsed.some((shard) => shard.count !== count)) {
    throw new InputError(`shards of different counts (${shards.join(', ')})`);
  }
  const indices = parsed.flatMap((shard) => shard.indices).sort((a, b) => a - b);
  const twice = indices.find((index, at) => indices[at - 1] === index);
  if (twice !== undefined) throw new InputError(`shard ${twice}/${count} would be counted twice`);
  return indices.length === count ? undefined : `${indices.join('+')}/${count}`;
}

/**
 * The sum of forecasts of the same date, hooks and draft over different patients (the shards of
 * a population): every count added, rates computed again. A mismatch throws, naming it.
 */
export function sumForecasts(forecasts: readonly Forecast[]): Forecast {
  const [first] = forecasts;
  if (first === undefined) throw new InputError('nothing to add up');
  for (const forecast of forecasts) {
    for (const field of ['date', 'hooks', 'draft'] as const) {
      if (JSON.stringify(forecast[field]) !== JSON.stringify(first[field])) {
        throw new InputError(
          `forecasts of different ${field === 'date' ? 'dates' : field} (${JSON.stringify(first[field])} and ${JSON.stringify(forecast[field])}) do not add up`,
        );
      }
    }
  }
  const sharded = forecasts.filter((forecast) => forecast.shard !== undefined);
  if (sharded.length > 0 && sharded.length < forecasts.length) {
    throw new InputError('a whole population and some of its shards would count patients twice');
  }
  const shard = sharded.length > 0 ? shardsOf(sharded.map((f) => f.shard ?? '')) : undefined;

  const sum = emptyForecast({ ...first, shard });
  const cards = new Map<string, CardCount>();
  for (const forecast of forecasts) {
    sum.patients += forecast.patients;
    addCounts(sum.ageBands, forecast.ageBands);
    const into = sum.dataQuality;
    const from = forecast.dataQuality;
    into.deceased += from.deceased;
    into.patientsWithoutPatientResource += from.patientsWithoutPatientResource;
    addCounts(into.unusableResults, from.unusableResults);
    addCounts(into.recognisedByName, from.recognisedByName);
    addCounts(into.notEvaluated, from.notEvaluated);
    addCounts(into.resourcesWithoutPatient, from.resourcesWithoutPatient);
    for (const card of forecast.cards) {
      const key = `${card.hook} ${card.code}`;
      const total = cards.get(key) ?? { ...card, patients: 0, facts: {}, ageBands: noBands() };
      total.indicator = indicators(total.indicator, card.indicator);
      total.patients += card.patients;
      addCounts(total.facts, card.facts);
      addCounts(total.ageBands, card.ageBands);
      cards.set(key, total);
    }
  }
  return finished({ ...sum, cards: [...cards.values()] });
}
