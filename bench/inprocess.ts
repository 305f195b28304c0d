import { cardCode } from '../src/cds-hooks/cards.js';
import type { CdsResponse } from '../src/cds-hooks/cards.js';
import { parseHookRequest } from '../src/cds-hooks/hook-request.js';
import type { HookRequest } from '../src/cds-hooks/hook-request.js';
import { jsonDepth } from '../src/http/limits.js';
import { resolvePrefetch } from '../src/cds-hooks/prefetch.js';
import type { PrefetchData } from '../src/cds-hooks/prefetch.js';
import type { CdsService, ServiceCall } from '../src/cds-hooks/service.js';
import { utcDay } from '../src/fhir/dates.js';
import { b12Services } from '../cds-services/index.js';
import { DEFAULT_CLINICAL_CONFIG, adviceOf, cardsOf, factsOf } from '../cds-services/b12/index.js';
import { BENCH_NOW, hookRequest, prefetchOf } from './patient.js';
import type { GeneratedPatient } from './patient.js';
import type { HookName } from '../src/cds-hooks/hooks.js';
import { benchConfig } from './servers.js';
import { timeIt } from './timing.js';
import type { Timing, TimingOptions } from './timing.js';

/** The benchmark measures the advice, not the log. */
const ignoreEvent = (): void => undefined;
/** No card is silent under the default configuration. */
const noSilentCards = (): void => undefined;

/**
 * In-process evaluation without HTTP: the service handler (facts + rules + cards, as advice.ts
 * composes them) on the prefetch data as the HTTP layer hands it over, and the same three steps
 * timed one by one.
 */

type Handler = (call: ServiceCall<HookName>) => CdsResponse | Promise<CdsResponse>;

function serviceFor(hook: HookName): CdsService {
  const service = b12Services().find((candidate) => candidate.hook === hook);
  if (!service) throw new Error(`no service for ${hook}`);
  return service;
}

/** The service's handler, callable with any hook's call (as routes.ts calls it). */
function handlerOf(service: CdsService): Handler {
  // The rule misreads an assertion from a union of handlers; without it the call does not compile.
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
  return service.handler as Handler;
}

/** Prefetch values as resolvePrefetch gives them: each key's resources, Bundles unpacked. */
function prefetchData(patient: GeneratedPatient): PrefetchData {
  return Object.fromEntries(
    Object.entries(prefetchOf(patient)).map(([key, value]) => [
      key,
      value.resourceType === 'Bundle'
        ? (value.entry ?? []).flatMap((entry) => (entry.resource ? [entry.resource] : []))
        : [value],
    ]),
  ) as PrefetchData;
}

const validated = (hook: HookName, body: unknown): HookRequest => parseHookRequest(hook, body);

export interface EvaluationResult {
  observations: number;
  /** The handler: facts + rules + cards. */
  total: Timing;
  facts: Timing;
  rules: Timing;
  cards: Timing;
  cardCodes: string[];
}

export async function evaluationTimes(
  patient: GeneratedPatient,
  timing: TimingOptions = {},
): Promise<EvaluationResult> {
  const hook = 'patient-view';
  const service = serviceFor(hook);
  const request = validated(hook, hookRequest(hook, patient));
  const prefetch = prefetchData(patient);
  const handler = handlerOf(service);
  const { publicUrl } = benchConfig();
  const call = {
    request,
    prefetch,
    now: BENCH_NOW,
    report: ignoreEvent,
    silent: noSilentCards,
    publicUrl,
  };
  const response = await handler(call);

  const config = DEFAULT_CLINICAL_CONFIG;
  const readFacts = (): ReturnType<typeof factsOf> =>
    factsOf(
      {
        patientId: patient.patientId,
        today: utcDay(BENCH_NOW),
        resources: Object.values(prefetch).flat(),
      },
      config,
    );
  const facts = readFacts();
  const advice = adviceOf(hook, patient.patientId, facts, config);
  return {
    observations: patient.observations.length,
    total: await timeIt(() => handler(call), timing),
    facts: await timeIt(readFacts, timing),
    rules: await timeIt(() => adviceOf(hook, patient.patientId, facts, config), timing),
    cards: await timeIt(() => cardsOf(advice.shown, facts.notes, publicUrl), timing),
    cardCodes: response.cards.map(cardCode),
  };
}

export interface PipelineStep {
  step: string;
  timing: Timing;
}

/**
 * Where an HTTP call's time goes besides the rules, step by step as routes.ts runs them
 * (Express's own reading of the socket aside): JSON parse, depth check, validation, prefetch
 * resolution, handler, JSON serialisation.
 */
export async function pipelineSteps(
  patient: GeneratedPatient,
  timing: TimingOptions = {},
): Promise<PipelineStep[]> {
  const hook = 'patient-view';
  const service = serviceFor(hook);
  const config = benchConfig();
  const text = JSON.stringify(hookRequest(hook, patient));
  const body: unknown = JSON.parse(text);
  const request = validated(hook, body);
  const options = {
    ...config.fhir,
    allowedServers: undefined,
    maxResources: config.maxPrefetchResources,
  };
  const resolved = await resolvePrefetch(service.prefetch, request, options);
  const handler = handlerOf(service);
  const call = {
    request,
    prefetch: resolved.data,
    now: BENCH_NOW,
    report: ignoreEvent,
    silent: noSilentCards,
    publicUrl: config.publicUrl,
  };
  const response = await handler(call);
  const steps: [string, () => unknown][] = [
    ['JSON.parse of the body', (): unknown => JSON.parse(text)],
    ['JSON depth check', () => jsonDepth(body, config.jsonMaxDepth)],
    ['hook request validation', () => parseHookRequest(hook, body)],
    ['prefetch resolution', () => resolvePrefetch(service.prefetch, request, options)],
    ['handler (facts + rules + cards)', () => handler(call)],
    ['JSON.stringify of the response', () => JSON.stringify(response)],
  ];
  const result: PipelineStep[] = [];
  for (const [step, work] of steps) result.push({ step, timing: await timeIt(work, timing) });
  return result;
}
