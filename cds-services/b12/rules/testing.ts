import { MAX_SUMMARY_LENGTH } from '../../../src/cds-hooks/cards.js';
import { isoDay } from '../../../src/fhir/dates.js';
import type { EpochDay } from '../../../src/fhir/dates.js';
import type { CardSpec } from '../cards.js';
import { evidenceLine, resultText, valueText } from '../evidence.js';
import type { Findings, RiskFactor } from '../findings.js';
import { actions } from '../orders.js';
import type { PatientFacts } from '../patient-facts.js';
import type { Rule, RuleContext } from '../rule.js';
import { detailOf } from '../detail.js';
import { FOLIC_ACID_ALONE_WARNING } from '../texts.js';

/**
 * Who should have a B12 test (RULES.md 5.2, 5.3), an old low result never acted on (5.8), and a
 * low result in a child, outside the adult guideline (5.17).
 */

const NO_RECENT_B12 = 'no B12 result in the last 12 months';

/** Shortens recorded free text (a symptom, drug names) so that a summary stays under 140 characters. */
function clip(text: string, room: number): string {
  if (text.length <= room) return text;
  return `${text.slice(0, Math.max(room - 1, 0)).trimEnd()}…`;
}

/**
 * A summary with up to two recorded phrases put in a fixed template; the phrases are shortened,
 * the first to no less than half the room, only when the whole would not fit.
 */
function fitSummary(
  template: (first: string, second: string) => string,
  first: string,
  second = '',
): string {
  const room = MAX_SUMMARY_LENGTH - template('', '').length;
  if (first.length + second.length <= room) return template(first, second);
  const firstRoom = Math.max(room - second.length, Math.floor(room / 2));
  const shortFirst = clip(first, firstRoom);
  return template(shortFirst, clip(second, room - shortFirst.length));
}

/** The B12 tests are for people with no recent or pending result and no untreated old low one. */
const untested = (f: Findings): boolean =>
  f.adult && !f.onB12 && !f.tested12m && f.staleLow === undefined;

/** An older B12 that is not low, when there is one: shown so the clinician sees what was done. */
const olderB12 = (facts: PatientFacts): string | undefined =>
  facts.b12.stale ? `${resultText(facts.b12.stale)} (more than 12 months ago)` : undefined;

/** "metformin for over 4 months (metformin since 2026-06-24, 150 days)": the exposure behind a drug risk. */
function riskWithExposure(risk: RiskFactor, today: EpochDay): string {
  if (!risk.drug) return risk.wording;
  const since = isoDay(today - risk.drug.days);
  return `${risk.wording} (${risk.drug.name} since ${since}, ${risk.drug.days} days)`;
}

/** "age 76", or "born 1949" when only the year is recorded: the age is then a range (RULES.md 10.1.2). */
const ageText = ({ facts, findings }: RuleContext): string =>
  facts.patient.bornIn === undefined
    ? `age ${String(findings.age)}`
    : `born ${facts.patient.bornIn}`;

const ageEvidence = (context: RuleContext): string | undefined => {
  const { age } = context.findings;
  return age !== undefined && age > context.config.thresholds.ageRiskAbove
    ? ageText(context)
    : undefined;
};

/** RULES.md 5.2: symptoms with a risk factor (T1), or macrocytic anaemia (T2), and no B12 result. */
export const b12TestRecommended: Rule = (context: RuleContext): CardSpec | undefined => {
  const f = context.findings;
  if (!untested(f)) return undefined;
  const risks = [...f.majorRisks.map((risk) => risk.wording), ...f.otherRisks];
  const t1 = f.symptoms.length > 0 && risks.length > 0;
  const t2 = f.anaemia && f.macrocytosis;
  if (!t1 && !t2) return undefined;
  const [firstSymptom = '', firstRisk = ''] = [f.symptoms[0], risks[0]];

  const summary = t2
    ? 'Macrocytic anaemia without a B12 result: test B12 and folate before any folic acid'
    : fitSummary(
        (symptom, risk) => `Offer a vitamin B12 test: ${symptom} with ${risk}`,
        firstSymptom,
        firstRisk,
      );
  // Symptoms and risk factors are what the card is based on: recorded free text, so in the
  // evidence line rather than in the length-bounded rest (RULES.md 10.9.4).
  const detail = detailOf({
    evidence: evidenceLine([
      f.anaemia && context.facts.latest.haemoglobin,
      f.macrocytosis && context.facts.latest.mcv,
      NO_RECENT_B12,
      olderB12(context.facts),
      ageEvidence(context),
      f.pregnant && 'pregnant',
      f.symptoms.length > 0 && `symptoms and signs: ${f.symptoms.join(', ')}`,
      risks.length > 0 && `risk factors: ${risks.join(', ')}`,
    ]),
    action: 'Offer total B12 or active B12 (NICE NG239), with serum folate and a full blood count.',
    safety: [
      f.neuro.length > 0 &&
        'Neurological features are recorded: if deficiency is likely, do not delay treatment while awaiting results (BSH 2014).',
      t2 && FOLIC_ACID_ALONE_WARNING,
    ],
    patient: f.pregnant && 'In pregnancy test active B12 (total B12 falls physiologically).',
  });
  const { patientId } = context;
  return {
    code: 'b12-test-recommended',
    summary,
    detail,
    selectionBehavior: 'at-most-one',
    suggestions: [
      {
        label: 'Order total B12 and serum folate',
        isRecommended: !f.pregnant,
        actions: [actions.order(patientId, 'totalB12'), actions.order(patientId, 'serumFolate')],
      },
      {
        label: 'Order active B12 and serum folate',
        isRecommended: f.pregnant,
        actions: [actions.order(patientId, 'activeB12'), actions.order(patientId, 'serumFolate')],
      },
    ],
  };
};

/** RULES.md 5.3: a major risk factor and no B12 result in 12 months (superseded by 5.2 and 5.16). */
export const b12TestConsider: Rule = (context: RuleContext): CardSpec | undefined => {
  const f = context.findings;
  const { facts } = context;
  if (!untested(f) || f.majorRisks.length === 0) return undefined;
  const [firstRisk] = f.majorRisks;
  const summary = fitSummary(
    (risk) => `Consider a vitamin B12 test: ${risk} (no B12 result in the last 12 months)`,
    firstRisk?.wording ?? '',
  );
  return {
    code: 'b12-test-consider',
    summary,
    detail: detailOf({
      evidence: evidenceLine([
        NO_RECENT_B12,
        olderB12(facts),
        ageEvidence(context),
        `risk factors: ${f.majorRisks.map((risk) => riskWithExposure(risk, facts.today)).join(', ')}`,
      ]),
      action:
        'NICE NG239 tests when symptoms are present; periodic B12 checks are advised for long-term metformin (MHRA 2022, ADA) and for PPI/H2RA > 12 months or age > 75 (AFP 2017).',
      followUp: 'Ask about fatigue, paraesthesia, memory change, glossitis.',
    }),
    selectionBehavior: 'at-most-one',
    suggestions: [
      {
        label: 'Order total B12',
        isRecommended: true,
        actions: [actions.order(context.patientId, 'totalB12')],
      },
    ],
  };
};

/** RULES.md 5.8: a low B12 366–1825 days old, never treated, and no B12 result since. */
export const b12LowStaleUntreated: Rule = (context: RuleContext): CardSpec | undefined => {
  const f = context.findings;
  const stale = f.staleLow;
  if (!f.adult || f.onB12 || stale === undefined) return undefined;
  const { patientId } = context;
  return {
    code: 'b12-low-stale-untreated',
    summary: `Low B12 (${valueText(stale)}, ${isoDay(stale.day)}) from more than 12 months ago was never treated: repeat the test and treat if low`,
    detail: detailOf({
      evidence: evidenceLine([stale, NO_RECENT_B12, f.pregnant && 'pregnant']),
      action:
        'No B12 treatment is recorded since this result and there is no B12 result in the last 12 months. Repeat B12 with serum folate and a full blood count; treat if still low.',
      safety: [
        f.neuro.length > 0 &&
          'Neurological features are recorded: seek urgent advice; do not delay treatment.',
        FOLIC_ACID_ALONE_WARNING,
      ],
    }),
    selectionBehavior: 'at-most-one',
    suggestions: [
      {
        // The label names the test it orders: active B12 in pregnancy (RULES.md 5.8).
        label: f.pregnant
          ? 'Repeat active B12 and serum folate'
          : 'Repeat total B12 and serum folate',
        isRecommended: true,
        actions: [
          actions.order(patientId, f.pregnant ? 'activeB12' : 'totalB12'),
          actions.order(patientId, 'serumFolate'),
        ],
      },
    ],
  };
};

/** RULES.md 5.17: a low B12 (recent or stale) under 16: no adult pathway, paediatric advice. */
export const outsideGuidelineAge: Rule = (context: RuleContext): CardSpec | undefined => {
  const f = context.findings;
  const minAge = context.config.thresholds.adultMinAge;
  if (f.age === undefined || f.age >= minAge) return undefined;
  const low = f.b12Band === 'confirmed' ? f.b12 : f.staleLow;
  if (low === undefined) return undefined;
  return {
    code: 'outside-guideline-age',
    summary: `Low B12 at age ${f.age} (under ${minAge}): NICE NG239 adult pathway not applied — seek paediatric advice`,
    detail: [
      evidenceLine([low, ageText(context)]),
      'NICE NG239 covers people aged 16 and over; adult regimens are not suggested. Discuss with a paediatrician.',
    ],
  };
};

export const testingRules: readonly Rule[] = [
  b12TestRecommended,
  b12TestConsider,
  b12LowStaleUntreated,
  outsideGuidelineAge,
];
