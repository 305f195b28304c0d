import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bundle, FhirResource } from 'fhir/r4.js';
import { B12_PREFETCH } from '../cds-services/b12/index.js';
import { testApp } from './support/app.js';
import { cardByCode, cardCodes, cardText, expectB12Response } from './support/card-checks.js';
import { startFhirServer } from './support/fhir-server.js';
import type { TestFhirServer } from './support/fhir-server.js';
import { draftOrdersBundle } from './support/fhir.js';
import { loadPublicScenarios, scenarioToFhir } from './support/scenarios.js';
import type { Scenario, ScenarioFhir } from './support/scenarios.js';

/**
 * The public clinical scenarios (test/data/scenarios.public.json), end to end: each becomes a real
 * CDS Hooks 2.0 request to `b12-<hook>` on the running app, over HTTP, with the clock at the
 * scenario's "today". Every scenario runs twice — (a) with a complete prefetch, (b) with no prefetch
 * and `fhirServer` pointing at a real in-memory FHIR R4 server holding the scenario's data — and
 * must give the clinical team's expected cards both ways. Every response passes the CDS Hooks
 * conformance oracle and the rule book's card checks (test/support/card-checks.ts).
 */

/** The scenarios' evaluation day ("today": every daysAgo counts back from it, in UTC). */
const TODAY = '2026-11-21';
const NOW = new Date(`${TODAY}T09:30:00Z`);
const USER_ID = 'Practitioner/gp-0042';

/** Texts a scenario forbids on every card, beyond its expected cards' own mustNotMention. */
const FORBIDDEN_ON_EVERY_CARD: Readonly<Record<string, readonly string[]>> = {
  // On B12 maintenance: no loading regimen of either kind (RULES.md 5.0 "No loading regimen is
  // shown to a patient on B12 therapy").
  S27: ['three times a week', 'until no further improvement'],
};

/**
 * Expected cards a later rule removes from a scenario: RULES.md 10.9.3 makes
 * combined-b12-folate-deficiency supersede b12-deficiency-treat (one order of B12 with folic
 * acid), so S20 now gets the combined card alone, and the treat card must be absent.
 */
const SUPERSEDED: Readonly<Record<string, readonly string[]>> = {
  S20: ['b12-deficiency-treat'],
};

const scenarios = loadPublicScenarios().map((scenario) => {
  const superseded = SUPERSEDED[scenario.id] ?? [];
  return superseded.length === 0
    ? scenario
    : {
        ...scenario,
        expected: scenario.expected.filter((item) => !superseded.includes(item.cardKey)),
        absentCardKeys: [...scenario.absentCardKeys, ...superseded],
      };
});

/** A searchset as an R4 server returns it; no `entry` when nothing matched (FHIR: no empty arrays). */
function searchset(resources: readonly FhirResource[]): Bundle {
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    total: resources.length,
    ...(resources.length > 0
      ? { entry: resources.map((resource) => ({ search: { mode: 'match' as const }, resource })) }
      : {}),
  };
}

const ofType = (fhir: ScenarioFhir, type: string): FhirResource[] =>
  fhir.resources.filter((resource) => resource.resourceType === type);

/** The complete prefetch of the B12 services' templates. */
function prefetchOf(fhir: ScenarioFhir): Record<string, unknown> {
  const [patient] = ofType(fhir, 'Patient');
  return {
    patient,
    labs: searchset(ofType(fhir, 'Observation')),
    meds: searchset(ofType(fhir, 'MedicationRequest')),
    conditions: searchset(ofType(fhir, 'Condition')),
    procedures: searchset(ofType(fhir, 'Procedure')),
    medStatements: searchset(ofType(fhir, 'MedicationStatement')),
  };
}

type Mode = 'prefetch' | 'fhirServer';

/** The hook request an EHR sends for the scenario. */
function hookRequest(
  scenario: Scenario,
  fhir: ScenarioFhir,
  data: { prefetch: Record<string, unknown> } | { fhirServer: string },
): Record<string, unknown> {
  const context: Record<string, unknown> = { userId: USER_ID, patientId: fhir.patientId };
  if (scenario.hook !== 'patient-view') {
    context.draftOrders = draftOrdersBundle(fhir.draftOrders);
  }
  if (scenario.hook === 'order-select') {
    context.selections = fhir.selections ?? [];
  }
  return { hook: scenario.hook, hookInstance: randomUUID(), context, ...data };
}

interface Call {
  request: Record<string, unknown>;
  status: number;
  body: unknown;
  text: string;
}

async function call(scenario: Scenario, body: Record<string, unknown>): Promise<Call> {
  const res = await request(testApp({ now: NOW }).app)
    .post(`/cds-services/b12-${scenario.hook}`)
    .set('Content-Type', 'application/json')
    .send(JSON.stringify(body));
  return { request: body, status: res.status, body: res.body as unknown, text: res.text };
}

const MODES: readonly [Mode, string][] = [
  ['prefetch', '(a) full prefetch'],
  ['fhirServer', '(b) no prefetch, data from the FHIR server'],
];

describe.each(scenarios.map((scenario) => [scenario.id, scenario.description, scenario] as const))(
  '%s — %s',
  (id, _description, scenario) => {
    const fhir = scenarioToFhir(scenario, TODAY);
    const calls = new Map<Mode, Call>();
    let server: TestFhirServer;

    beforeAll(async () => {
      server = await startFhirServer(fhir.resources);
      calls.set(
        'prefetch',
        await call(scenario, hookRequest(scenario, fhir, { prefetch: prefetchOf(fhir) })),
      );
      calls.set(
        'fhirServer',
        await call(scenario, hookRequest(scenario, fhir, { fhirServer: server.baseUrl })),
      );
    });

    afterAll(async () => {
      await server.close();
    });

    const result = (mode: Mode): Call => {
      const found = calls.get(mode);
      if (!found) throw new Error(`no ${mode} call`);
      return found;
    };

    describe.each(MODES)('%s', (mode) => {
      it('answers 200 with a conformant response whose every card passes the card checks', () => {
        const { status, body, text, request: sent } = result(mode);
        expect(status, text).toBe(200);
        expectB12Response(body, sent);
      });

      for (const expected of scenario.expected) {
        const { cardKey, indicator, mustMention, mustNotMention } = expected;

        it(`returns ${cardKey} with indicator ${indicator}`, () => {
          const { body } = result(mode);
          const card = cardByCode(body, cardKey);
          expect(card, `cards returned: ${cardCodes(body).join(', ') || 'none'}`).toBeDefined();
          expect(card?.indicator).toBe(indicator);
        });

        it(`${cardKey} mentions ${mustMention.map((term) => `"${term}"`).join(', ')}`, () => {
          const { body } = result(mode);
          const card = cardByCode(body, cardKey);
          if (!card)
            throw new Error(`no ${cardKey} card; got ${cardCodes(body).join(', ') || 'none'}`);
          const words = cardText(card);
          const missing = mustMention.filter((term) => !words.includes(term.toLowerCase()));
          expect(missing, `summary + detail:\n${words}`).toEqual([]);
        });

        if (mustNotMention.length > 0) {
          it(`${cardKey} never mentions ${mustNotMention.map((term) => `"${term}"`).join(', ')}`, () => {
            const { body } = result(mode);
            const card = cardByCode(body, cardKey);
            if (!card) {
              throw new Error(`no ${cardKey} card; got ${cardCodes(body).join(', ') || 'none'}`);
            }
            const words = cardText(card);
            const present = mustNotMention.filter((term) => words.includes(term.toLowerCase()));
            expect(present, `summary + detail:\n${words}`).toEqual([]);
          });
        }
      }

      if (scenario.absentCardKeys.length > 0) {
        it(`returns none of ${scenario.absentCardKeys.join(', ')}`, () => {
          const codes = cardCodes(result(mode).body);
          expect(codes.filter((code) => scenario.absentCardKeys.includes(code))).toEqual([]);
        });
      }

      const forbidden = FORBIDDEN_ON_EVERY_CARD[id] ?? [];
      if (forbidden.length > 0) {
        it(`no card contains ${forbidden.map((term) => `"${term}"`).join(' or ')}`, () => {
          const { body } = result(mode);
          const cards = (body as { cards?: Record<string, unknown>[] }).cards ?? [];
          const hits = cards.flatMap((card) => {
            const words = cardText(card);
            return forbidden
              .filter((term) => words.includes(term))
              .map((term) => `${cardCodes({ cards: [card] }).join('')}: "${term}"`);
          });
          expect(hits).toEqual([]);
        });
      }
    });

    it('(a) sent every prefetch key (patient, labs, meds, conditions, procedures, medStatements) and no fhirServer', () => {
      const sent = result('prefetch').request;
      expect(Object.keys(sent.prefetch as object).sort()).toEqual(Object.keys(B12_PREFETCH).sort());
      expect(sent.fhirServer).toBeUndefined();
    });

    it('(b) sent no prefetch, and the service read the patient, labs, meds and conditions from the FHIR server', () => {
      expect(result('fhirServer').request.prefetch).toBeUndefined();
      const patientId = encodeURIComponent(fhir.patientId);
      const expectedUrls = Object.values(B12_PREFETCH).map(
        (template) => `/fhir/${template.replaceAll('{{context.patientId}}', patientId)}`,
      );
      expect(server.requests.map((r) => `${r.method} ${r.url}`).sort()).toEqual(
        expectedUrls.map((url) => `GET ${url}`).sort(),
      );
    });

    it('(b) gives the same cards from the FHIR server as (a) from prefetch', () => {
      const summaries = (mode: Mode): string[] =>
        ((result(mode).body as { cards?: { summary: string }[] }).cards ?? []).map(
          (card) => card.summary,
        );
      expect(cardCodes(result('fhirServer').body)).toEqual(cardCodes(result('prefetch').body));
      expect(summaries('fhirServer')).toEqual(summaries('prefetch'));
    });
  },
);

describe('the scenario runner itself', () => {
  it('runs every public scenario (12 or more), each id once', () => {
    expect(scenarios.length).toBeGreaterThanOrEqual(12);
    expect(new Set(scenarios.map((scenario) => scenario.id)).size).toBe(scenarios.length);
  });

  it('covers the three hooks', () => {
    expect([...new Set(scenarios.map((scenario) => scenario.hook))].sort()).toEqual([
      'order-select',
      'order-sign',
      'patient-view',
    ]);
  });
});
