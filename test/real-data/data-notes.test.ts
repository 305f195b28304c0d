import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Card } from '../../src/cds-hooks/cards.js';
import { EVALUATION_DATE } from '../support/card-fixtures.js';
import { PATIENT_NAMES, bundleFile, datesOf, evaluate } from './synthea-patients.js';
import type { HookChoice } from './synthea-patients.js';

/**
 * RULES.md 10.5.3, "Data notes say what is true": a card carries a "Data note:" only about data its
 * trigger or evidence uses (a lab note on cards that read that analyte, a medication note on cards
 * that use that medication class, a condition note on cards that use that condition set), and a
 * record recognised by its name is described truthfully: "recognised by its name only, without a
 * coded term" when it has no code, "recognised by its name; its code <system|code> is not in the
 * service's code list" when it has one. Checked on every card fixture (fixtures/cards) and on the
 * twelve Synthea patients at each of their dates, on patient-view and with each draft order.
 */

// ---------------------------------------------------------------------------------------------
// What a note is about, from its wording

type MedicationClass = 'metformin' | 'acidSuppression' | 'folicAcid' | 'b12' | 'otherRiskDrug';

type NoteKind =
  | { kind: 'lab'; analyte: string }
  | { kind: 'medication'; classes: MedicationClass[] }
  | { kind: 'condition'; set: string }
  | { kind: 'draft' }
  | { kind: 'any' };

/** A medication class from the words of a medicine's name (RULES.md 2.3, 10.4.4). */
const MEDICATION_WORDS: readonly [MedicationClass, RegExp][] = [
  [
    'metformin',
    /metformin|glucophage|glumetza|fortamet|riomet|janumet|jentadueto|kazano|kombiglyze|synjardy|xigduo|invokamet|segluromet|actoplus|prandimet|qternmet|trijardy/i,
  ],
  [
    'acidSuppression',
    /prazole|prilosec|losec|zegerid|nexium|prevacid|zoton|protonix|aciphex|pariet|dexilant|famotidine|ranitidine|cimetidine|nizatidine|pepcid|zantac|tagamet|axid/i,
  ],
  ['folicAcid', /folic|folate/i],
  ['b12', /cobalamin|vitamin b ?-?12|nascobal|cytamen|cobalin/i],
  ['otherRiskDrug', /colchicine|topiramate|pregabalin|phenobarbital|primidone/i],
];

const ALL_CLASSES = MEDICATION_WORDS.map(([cls]) => cls);

/** A condition set as a note names it ("counted as ileal crohns"), squeezed: `ilealcrohns`. */
const squeeze = (words: string): string => words.toLowerCase().replace(/[^a-z0-9]/g, '');

/** The kind of data a note is about, or `undefined` when its wording is not understood. */
function noteKind(note: string): NoteKind | undefined {
  const lab =
    /^Data note: (.+?) result (?:of \S+|\(undated\)) ignored/.exec(note) ??
    /^Data note: the reference range of the (.+?) result of/.exec(note);
  if (lab) return { kind: 'lab', analyte: lab[1] ?? '' };
  const condition = /was counted as ([a-z0-9 ]+?)(?:,| by)/i.exec(note);
  if (condition) return { kind: 'condition', set: squeeze(condition[1] ?? '') };
  if (/^Data note: the draft order /.test(note)) return { kind: 'draft' };
  if (/names a Medication that was not provided/.test(note)) {
    return { kind: 'medication', classes: ALL_CLASSES };
  }
  const medication =
    /^Data note: '(.+)' \((MedicationRequest|MedicationStatement|MedicationAdministration)\b/.exec(
      note,
    );
  if (medication) {
    const name = medication[1] ?? '';
    return {
      kind: 'medication',
      classes: MEDICATION_WORDS.filter(([, words]) => words.test(name)).map(([cls]) => cls),
    };
  }
  if (/is about another patient and was ignored/.test(note)) return { kind: 'any' };
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// What each card uses (RULES.md section 5, 10.8: its trigger and its evidence)

const CAUSES = [
  'gastrectomy',
  'totalgastrectomy',
  'bariatricsurgery',
  'ilealresection',
  'ilealcrohns',
  'coeliac',
  'atrophicgastritis',
  'perniciousanaemia',
  'vegandiet',
];
const RISK_DRUGS: MedicationClass[] = ['metformin', 'acidSuppression', 'b12'];

/**
 * Medication classes and condition sets each card's trigger or evidence reads; on order hooks a
 * card may also read the draft orders' classes (`drafts`: 5.10 fires for a B12 or folic acid draft).
 */
const USES: Readonly<
  Record<
    string,
    { medications: MedicationClass[]; conditions: string[]; drafts?: MedicationClass[] }
  >
> = {
  'b12-test-recommended': {
    medications: [...RISK_DRUGS, 'otherRiskDrug'],
    conditions: [...CAUSES, 'symptom', 'neuro', 'otherrisk', 'pregnancy'],
  },
  'b12-test-consider': { medications: RISK_DRUGS, conditions: CAUSES },
  'b12-indeterminate-mma': { medications: ['b12'], conditions: ['neuro', 'pregnancy', 'ckd345'] },
  'mma-renal-caution': { medications: ['b12'], conditions: ['neuro', 'ckd345'] },
  'b12-deficiency-treat': {
    medications: RISK_DRUGS,
    conditions: [...CAUSES, 'neuro', 'pregnancy', 'ckd345'],
  },
  'b12-deficiency-neuro-urgent': {
    medications: ['b12'],
    conditions: ['neuro', 'perniciousanaemia', 'pregnancy', 'ckd345'],
  },
  'b12-low-stale-untreated': { medications: ['b12'], conditions: ['neuro', 'pregnancy'] },
  'combined-b12-folate-deficiency': {
    medications: ['b12'],
    conditions: ['neuro', 'perniciousanaemia', 'ckd345'],
  },
  'severe-anaemia-urgent': {
    medications: [],
    conditions: ['pancytopenia', 'pregnancy'],
    drafts: ['folicAcid', 'b12'],
  },
  'folate-order-b12-untreated': {
    medications: ['folicAcid', 'b12'],
    conditions: ['codedb12deficiency', 'neuro', 'ckd345'],
  },
  'folate-order-b12-unknown': {
    medications: ['folicAcid', 'b12'],
    conditions: ['codedb12deficiency', 'pregnancy', 'ckd345'],
  },
  'im-injection-thrombocytopenia': { medications: ['b12'], conditions: [] },
  'cyanocobalamin-renal': { medications: ['b12'], conditions: ['ckd345'] },
  'hypokalaemia-monitoring': { medications: ['b12'], conditions: ['pregnancy'] },
  'b12-prophylaxis-malabsorption': {
    medications: ['b12'],
    conditions: [
      'gastrectomy',
      'totalgastrectomy',
      'bariatricsurgery',
      'ilealresection',
      'ilealcrohns',
    ],
  },
  'outside-guideline-age': { medications: ['b12'], conditions: [] },
  'b12-review-due': { medications: ['b12'], conditions: ['pregnancy'] },
  'b12-result-unreadable': { medications: [], conditions: [] },
  'b12-low-on-oral': { medications: ['b12'], conditions: [...CAUSES, 'neuro'] },
};

/** The words by which a card's evidence names each analyte (RULES.md 5.0 evidence line). */
const ANALYTE_WORDS: readonly [RegExp, RegExp][] = [
  [/B12/i, /B12/i],
  [/methylmalonic|MMA/i, /methylmalonic|MMA/i],
  [/folate/i, /folate/i],
  [/^Hb$|haemoglobin/i, /\bHb\b|full blood count/i],
  [/MCV/i, /\bMCV\b|full blood count/i],
  [/platelet/i, /platelet|full blood count/i],
  [/eGFR/i, /eGFR/i],
  [/pregnancy/i, /pregnan/i],
];

/** Why a card may not carry a note, or `undefined` when it may. */
function misplaced(card: Card, note: string, onOrderHook: boolean): string | undefined {
  const code = card.source.topic?.code ?? '';
  const uses = USES[code];
  const about = noteKind(note);
  if (uses === undefined) return `card ${code} is not in this test's table of what cards use`;
  if (about === undefined) return 'this test cannot tell what data the note is about';
  switch (about.kind) {
    case 'any':
      return undefined;
    case 'draft':
      return onOrderHook ? undefined : 'a note about a draft order on a patient-view card';
    case 'lab': {
      const words = ANALYTE_WORDS.find(([label]) => label.test(about.analyte))?.[1];
      // The evidence line, or the summary when the card has none (5.18, 5.19).
      const evidence = `${card.summary}\n${card.detail?.split('\n')[0] ?? ''}`;
      return words?.test(evidence) ? undefined : `the evidence does not name ${about.analyte}`;
    }
    case 'medication': {
      const used = [...uses.medications, ...(onOrderHook ? (uses.drafts ?? []) : [])];
      return about.classes.some((cls) => used.includes(cls))
        ? undefined
        : `${code} does not use ${about.classes.join('/') || 'an unclassified medicine'}`;
    }
    case 'condition':
      return uses.conditions.includes(about.set) ? undefined : `${code} does not use ${about.set}`;
  }
}

// ---------------------------------------------------------------------------------------------
// Is the "recognised by its name" wording true of the record?

type Json = Record<string, unknown>;
const isJson = (value: unknown): value is Json => typeof value === 'object' && value !== null;

/** Every FHIR resource anywhere in a request or Bundle (prefetch, entries, drafts, contained). */
function resourcesIn(value: unknown, found: Json[] = []): Json[] {
  if (Array.isArray(value)) for (const item of value) resourcesIn(item, found);
  else if (isJson(value)) {
    if (typeof value.resourceType === 'string') found.push(value);
    for (const child of Object.values(value)) resourcesIn(child, found);
  }
  return found;
}

/** The codes (`system|code`) a record carries for what it is: its code, or its medication's. */
function codesOfRecord(resource: Json, all: readonly Json[]): string[] {
  const concepts = [
    resource.code,
    resource.medicationCodeableConcept,
    resource.valueCodeableConcept,
  ];
  const reference = isJson(resource.medicationReference)
    ? resource.medicationReference.reference
    : undefined;
  const medication = all.find(
    (candidate) =>
      candidate.resourceType === 'Medication' &&
      typeof reference === 'string' &&
      typeof candidate.id === 'string' &&
      reference.replace(/^#/, '').endsWith(candidate.id),
  );
  if (medication) concepts.push(medication.code);
  return concepts.flatMap((concept) =>
    isJson(concept) && Array.isArray(concept.coding)
      ? concept.coding
          .filter(isJson)
          .map((coding) => `${String(coding.system)}|${String(coding.code)}`)
      : [],
  );
}

/** The record a "recognised by its name" note is about: by `(Type id)`, else by its quoted name. */
function recordOf(note: string, all: readonly Json[]): Json | undefined {
  const labelled =
    /\((MedicationRequest|MedicationStatement|MedicationAdministration|Condition|Procedure|Observation) ([^)\s]+)\)/.exec(
      note,
    );
  if (labelled) {
    return all.find((r) => r.resourceType === labelled[1] && r.id === labelled[2]);
  }
  const name = /^Data note: '(.+?)'/.exec(note)?.[1];
  return name === undefined
    ? undefined
    : all.find(
        (r) => r.resourceType !== 'Medication' && JSON.stringify(r).includes(JSON.stringify(name)),
      );
}

const BY_NAME = /recogni[sz]ed by its name|by its (?:name|text) only/;

/** Why a "recognised by its name" note is untrue of its record, or `undefined` when it is true. */
function untrue(note: string, all: readonly Json[]): string | undefined {
  if (!BY_NAME.test(note)) return undefined;
  const record = recordOf(note, all);
  if (record === undefined) return 'the note names no record of the request';
  const codes = codesOfRecord(record, all);
  if (codes.length === 0) {
    return note.includes('recognised by its name only, without a coded term')
      ? undefined
      : 'the record has no code: the note must say "recognised by its name only, without a coded term"';
  }
  if (/without an RxNorm or ATC code|without a SNOMED CT code|without a coded term/.test(note)) {
    return `the record is coded (${codes.join(', ')}), yet the note says it has no code`;
  }
  const named = /recognised by its name; its code (\S+) is not in the service's code list/.exec(
    note,
  )?.[1];
  return named !== undefined &&
    codes.some((code) => code.endsWith(`|${named.split('|').at(-1) ?? ''}`))
    ? undefined
    : `the note must name one of the record's codes (${codes.join(', ')}) as not in the code list`;
}

// ---------------------------------------------------------------------------------------------

const dataNotes = (card: Card): string[] =>
  (card.detail ?? '').split('\n').filter((line) => line.startsWith('Data note:'));

/** Evaluates a file as the CLI does, and lists every wrong note of every card. */
async function problemsOf(file: string, date: string, choice: HookChoice = {}): Promise<string[]> {
  const response = await evaluate(file, date, choice);
  const input: unknown = JSON.parse(readFileSync(file, 'utf8'));
  const all = resourcesIn(input);
  // A Bundle is sent to patient-view; a request to its own hook, unless another is chosen.
  const ownHook = isJson(input) && typeof input.hook === 'string' ? input.hook : 'patient-view';
  const onOrderHook = (choice.hook ?? ownHook) !== 'patient-view';
  return response.cards.flatMap((card) =>
    dataNotes(card).flatMap((note) =>
      [misplaced(card, note, onOrderHook), untrue(note, all)]
        .filter((problem) => problem !== undefined)
        .map((problem) => `${card.source.topic?.code ?? ''}: "${note}": ${problem}`),
    ),
  );
}

describe('the helper reads notes as the rule book words them', () => {
  it.each([
    [
      'Data note: eGFR result of 2019-02-25 ignored (dated in the future)',
      { kind: 'lab', analyte: 'eGFR' },
    ],
    [
      "Data note: '24 HR Metformin hydrochloride 500 MG Extended Release Oral Tablet' (MedicationRequest m-1) was recognised by its name only, without a coded term",
      { kind: 'medication', classes: ['metformin'] },
    ],
    [
      "Data note: 'Neuropathy due to type 2 diabetes mellitus (disorder)' (Condition c-1) was counted as neuro, recognised by its name; its code http://snomed.info/sct|1 is not in the service's code list",
      { kind: 'condition', set: 'neuro' },
    ],
    [
      "Data note: 'Crohn disease of ileum' was counted as ileal crohns by its text only, without a SNOMED CT code",
      { kind: 'condition', set: 'ilealcrohns' },
    ],
  ] as const)('%s', (note, kind) => {
    expect(noteKind(note)).toEqual(kind);
  });
});

const CARD_FIXTURES_DIR = new URL('../../fixtures/cards/', import.meta.url);
const cardFixtures = readdirSync(CARD_FIXTURES_DIR)
  .filter((file) => file.endsWith('.json'))
  .sort();

describe(`card fixtures, on ${EVALUATION_DATE}: every data note concerns data the card uses, and says what is true`, () => {
  it('finds the card fixtures (at least the 17 of the v1 catalog)', () => {
    expect(cardFixtures.length).toBeGreaterThanOrEqual(17);
  });

  it.each(cardFixtures)('%s', async (file) => {
    const path = fileURLToPath(new URL(file, CARD_FIXTURES_DIR));
    expect(await problemsOf(path, EVALUATION_DATE)).toEqual([]);
  });
});

const CHOICES: readonly [string, HookChoice][] = [
  ['patient-view', {}],
  ['order-select, folic acid 5 mg', { hook: 'order-select', draft: 'folic-acid-5mg' }],
  ['order-select, hydroxocobalamin IM', { hook: 'order-select', draft: 'hydroxocobalamin-1mg-im' }],
  ['order-sign, cyanocobalamin IM', { hook: 'order-sign', draft: 'cyanocobalamin-1mg-im' }],
];

const syntheaCases = PATIENT_NAMES.flatMap((name) =>
  datesOf(name).flatMap((date) =>
    CHOICES.map(([label, choice]) => [`${name} on ${date}, ${label}`, name, date, choice] as const),
  ),
);

describe('Synthea patients: every data note concerns data the card uses, and says what is true', () => {
  it.each(syntheaCases)('%s', async (_label, name, date, choice) => {
    expect(await problemsOf(bundleFile(name), date, choice)).toEqual([]);
  });
});
