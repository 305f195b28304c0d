import { readFileSync, readdirSync } from 'node:fs';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { B12_PREFETCH, CARD_CATALOG } from '../cds-services/b12/index.js';
import type { CardCode } from '../cds-services/b12/index.js';
import { testApp } from './support/app.js';
import { cardByCode, cardCodes, expectB12Response } from './support/card-checks.js';
import {
  CARD_CODES,
  EVALUATION_DATE,
  FIXTURES_DIR,
  fixtureFile,
  fixtureText,
  EXAMPLE_NAMES,
  exampleFile,
  exampleText,
  readmeText,
} from './support/card-fixtures.js';
import { r4Problems } from './support/fhir-r4.js';

/**
 * fixtures/cards/: one realistic request per catalog card. Each file is what the generator
 * (test/support/card-fixtures.ts) produces, holds valid FHIR R4 about one patient, and — posted to
 * its service with the clock at the evaluation date — gets the card it is named after.
 */

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const files = readdirSync(FIXTURES_DIR)
  .filter((file) => file.endsWith('.json'))
  .sort();

const load = (code: CardCode): Json =>
  JSON.parse(readFileSync(new URL(fixtureFile(code), FIXTURES_DIR), 'utf8')) as Json;

/** Every resource of a request: prefetch values, searchset entries and draft orders. */
function resourcesOf(body: Json): Json[] {
  const found: Json[] = [];
  const visit = (value: unknown): void => {
    if (!isObject(value) || typeof value.resourceType !== 'string') return;
    found.push(value);
    if (value.resourceType === 'Bundle' && Array.isArray(value.entry)) {
      for (const entry of value.entry) if (isObject(entry)) visit(entry.resource);
    }
  };
  for (const value of Object.values(isObject(body.prefetch) ? body.prefetch : {})) visit(value);
  if (isObject(body.context)) visit(body.context.draftOrders);
  return found;
}

const leaves = (resources: Json[]): Json[] =>
  resources.filter((resource) => resource.resourceType !== 'Bundle');

/** Every date-valued field of the clinical resources (not birth dates). */
const DATE_FIELDS = ['effectiveDateTime', 'issued', 'authoredOn', 'onsetDateTime', 'recordedDate'];

describe('fixtures/cards: one request per catalog card', () => {
  it('has a fixture for every catalog card code, and no other file', () => {
    expect(files).toEqual(CARD_CODES.map(fixtureFile).sort());
    expect([...CARD_CODES].sort()).toEqual(Object.keys(CARD_CATALOG).sort());
  });

  it.each(CARD_CODES)('%s.json is exactly what the generator writes (2-space JSON)', (code) => {
    expect(readFileSync(new URL(fixtureFile(code), FIXTURES_DIR), 'utf8')).toBe(fixtureText(code));
  });

  it('fixtures/README.md is the generated table, with a row for every fixture', () => {
    const readme = readFileSync(new URL('../README.md', FIXTURES_DIR), 'utf8');
    expect(readme).toBe(readmeText());
    for (const code of CARD_CODES) {
      expect(readme).toContain(`| [\`cards/${code}.json\`](cards/${code}.json) | \`${code}\``);
    }
  });

  it('uses the units real laboratories mix: B12 in ng/L, pg/mL, ng/mL and pmol/L; Hb in g/dL and g/L; platelets in 10*3/uL and 10*9/L', () => {
    const units = new Map<string, Set<string>>();
    for (const code of CARD_CODES) {
      for (const resource of leaves(resourcesOf(load(code)))) {
        if (resource.resourceType !== 'Observation' || !isObject(resource.valueQuantity)) continue;
        const loinc = String((resource.code as { coding: { code: string }[] }).coding[0]?.code);
        const set = units.get(loinc) ?? new Set<string>();
        set.add(String(resource.valueQuantity.code));
        units.set(loinc, set);
      }
    }
    const of = (...codes: string[]): string[] =>
      [...new Set(codes.flatMap((code) => [...(units.get(code) ?? [])]))].sort();
    expect(of('2132-9', '14685-2')).toEqual(['ng/L', 'ng/mL', 'pg/mL', 'pmol/L']);
    expect(of('718-7')).toEqual(['g/L', 'g/dL']);
    expect(of('777-3')).toEqual(['10*3/uL', '10*9/L']);
    expect(of('2284-8', '14732-2')).toEqual(['ng/mL', 'nmol/L']);
    expect(of('13964-2')).toEqual(['nmol/L']);
  });
});

describe.each(CARD_CODES)('fixture %s', (code) => {
  const body = load(code);
  const context = body.context as Json;
  const patientId = String(context.patientId);
  const resources = resourcesOf(body);

  it('is a request for one of the card’s catalog hooks, with a uuid hookInstance, userId and patientId', () => {
    expect(CARD_CATALOG[code].hooks as readonly string[]).toContain(body.hook);
    expect(body.hookInstance).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    );
    expect(context.userId).toMatch(/^Practitioner\/.+/);
    expect(patientId).toMatch(/^pat-\d+$/);
    if (body.hook !== 'patient-view') {
      expect(isObject(context.draftOrders)).toBe(true);
    }
    if (body.hook === 'order-select') expect(context.selections).toEqual(expect.any(Array));
  });

  it('prefetches every B12 key: labs, meds and conditions as searchset Bundles, no procedures or statements (null)', () => {
    const prefetch = body.prefetch as Json;
    expect(Object.keys(prefetch).sort()).toEqual(Object.keys(B12_PREFETCH).sort());
    expect(prefetch.procedures).toBeNull();
    expect(prefetch.medStatements).toBeNull();
    expect((prefetch.patient as Json).id).toBe(patientId);
    for (const key of ['labs', 'meds', 'conditions']) {
      expect(prefetch[key]).toMatchObject({ resourceType: 'Bundle', type: 'searchset' });
    }
  });

  it('every resource and Bundle is valid FHIR R4', () => {
    expect(resources.length).toBeGreaterThan(1);
    for (const resource of resources) {
      expect(
        r4Problems(resource),
        `${String(resource.resourceType)}/${String(resource.id)}`,
      ).toEqual([]);
    }
  });

  it('every clinical resource is about the patient, and every lab code has its LOINC display', () => {
    for (const resource of leaves(resources)) {
      if (resource.resourceType === 'Patient') continue;
      expect((resource.subject as Json).reference).toBe(`Patient/${patientId}`);
      if (resource.resourceType === 'Observation') {
        const coding = (resource.code as { coding: Json[] }).coding;
        expect(coding[0]?.system).toBe('http://loinc.org');
        expect(coding[0]?.display).toEqual(expect.stringMatching(/\S/));
      }
    }
  });

  it(`every clinical date is in 2025–2026 and not after the evaluation date ${EVALUATION_DATE}`, () => {
    for (const resource of leaves(resources)) {
      for (const field of DATE_FIELDS) {
        const value = resource[field];
        if (value === undefined) continue;
        expect(typeof value).toBe('string');
        const day = (value as string).slice(0, 10);
        expect(day, `${String(resource.id)}.${field}`).toMatch(/^202[56]-/);
        expect(day <= EVALUATION_DATE, `${String(resource.id)}.${field} ${day}`).toBe(true);
      }
    }
  });

  it(`posted to b12-<hook> on ${EVALUATION_DATE}, gets a ${code} card, and every card passes the card checks`, async () => {
    const res = await request(testApp({ now: new Date(`${EVALUATION_DATE}T09:30:00Z`) }).app)
      .post(`/cds-services/b12-${String(body.hook)}`)
      .set('Content-Type', 'application/json')
      .send(JSON.stringify(body));
    expect(res.status, res.text).toBe(200);
    expectB12Response(res.body, body);
    expect(
      cardByCode(res.body, code),
      `cards returned: ${cardCodes(res.body).join(', ') || 'none'}`,
    ).toBeDefined();
  });
});

describe('fixtures/examples', () => {
  it('the README’s example request (patient-view-b12-demo.json) answers 200 and every card passes the card checks', async () => {
    const body = JSON.parse(
      readFileSync(
        new URL('../fixtures/examples/patient-view-b12-demo.json', import.meta.url),
        'utf8',
      ),
    ) as Json;
    const res = await request(testApp().app)
      .post('/cds-services/b12-patient-view')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify(body));
    expect(res.status, res.text).toBe(200);
    expectB12Response(res.body, body);
  });

  it.each(EXAMPLE_NAMES)(
    'the example %s is what the generator writes, all valid R4, and shows deficiency to treat',
    async (name) => {
      const text = readFileSync(exampleFile(name), 'utf8');
      expect(text).toBe(exampleText(name));
      const body = JSON.parse(text) as Json;
      for (const resource of resourcesOf(body)) expect(r4Problems(resource)).toEqual([]);
      const res = await request(testApp({ now: new Date(`${EVALUATION_DATE}T09:30:00Z`) }).app)
        .post('/cds-services/b12-patient-view')
        .set('Content-Type', 'application/json')
        .send(text);
      expect(res.status, res.text).toBe(200);
      expectB12Response(res.body, body);
      expect(cardCodes(res.body)).toEqual(['b12-deficiency-treat']);
    },
  );
});
