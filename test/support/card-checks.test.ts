import { describe, expect, it } from 'vitest';
import {
  actions,
  CARD_CATALOG,
  LINKS,
  OVERRIDE_REASONS,
  OVERRIDE_SYSTEM,
  regimens,
  cardsOf,
} from '../../cds-services/b12/index.js';
import type { CardCode, CardSpec } from '../../cds-services/b12/index.js';
import { cardProblems, expectB12Response } from './card-checks.js';
import type { CardCheckContext } from './card-checks.js';

/**
 * The card checks (test/support/card-checks.ts) are only as good as the catalog they compare with,
 * so the catalog is first held against an independent transcription of RULES.md 5.2–5.18; then
 * each check is shown to catch the fault it is for.
 */

type Hooks = 'pv' | 'orders' | 'all';
const HOOKS: Record<Hooks, string[]> = {
  pv: ['patient-view'],
  orders: ['order-select', 'order-sign'],
  all: ['patient-view', 'order-select', 'order-sign'],
};

/** RULES.md 5.2–5.18: code, indicator, hooks, override reasons, links (labels as in 5.0). */
const RULE_BOOK: [string, string, Hooks, string[], string[]][] = [
  [
    'b12-test-recommended',
    'warning',
    'pv',
    [
      'test-already-ordered',
      'alternative-explanation',
      'patient-declined',
      'not-clinically-relevant',
    ],
    ['NICE NG239', 'NICE CKS'],
  ],
  [
    'b12-test-consider',
    'info',
    'pv',
    ['test-already-ordered', 'not-clinically-relevant', 'patient-declined'],
    ['AFP 2017', 'NICE NG239'],
  ],
  [
    'b12-indeterminate-mma',
    'info',
    'pv',
    ['test-already-ordered', 'not-clinically-relevant', 'treated-elsewhere'],
    ['NICE NG239', 'NICE CKS'],
  ],
  [
    'mma-renal-caution',
    'info',
    'pv',
    ['already-addressed', 'specialist-managing', 'not-clinically-relevant'],
    ['NICE NG239'],
  ],
  [
    'b12-deficiency-treat',
    'warning',
    'pv',
    ['treated-elsewhere', 'result-not-representative', 'patient-declined', 'specialist-managing'],
    ['NICE NG239', 'NICE CKS', 'BNF hydroxocobalamin'],
  ],
  [
    'b12-deficiency-neuro-urgent',
    'critical',
    'pv',
    ['alternative-explanation', 'treated-elsewhere', 'specialist-managing', 'patient-declined'],
    ['NICE NG239', 'NICE CKS', 'BNF hydroxocobalamin', 'BSH 2014'],
  ],
  [
    'b12-low-stale-untreated',
    'warning',
    'pv',
    ['treated-elsewhere', 'already-addressed', 'result-not-representative'],
    ['NICE NG239', 'NICE CKS'],
  ],
  [
    'combined-b12-folate-deficiency',
    'warning',
    'pv',
    ['treated-elsewhere', 'specialist-managing', 'patient-declined', 'result-not-representative'],
    ['NICE CKS', 'BNF folic acid', 'BNF hydroxocobalamin'],
  ],
  [
    'severe-anaemia-urgent',
    'critical',
    'all',
    ['already-addressed', 'specialist-managing', 'result-not-representative'],
    ['WHO 2011', 'NICE CKS'],
  ],
  [
    'folate-order-b12-untreated',
    'critical',
    'orders',
    ['treated-elsewhere', 'empirical-both', 'specialist-managing', 'result-not-representative'],
    ['BNF folic acid', 'NICE CKS', 'DailyMed cyanocobalamin'],
  ],
  [
    'folate-order-b12-unknown',
    'warning',
    'orders',
    ['prophylactic-dose', 'test-already-ordered', 'empirical-both', 'specialist-managing'],
    ['BNF folic acid', 'NICE CKS'],
  ],
  [
    'im-injection-thrombocytopenia',
    'warning',
    'orders',
    [
      'precautions-in-place',
      'haematology-agreed',
      'result-not-representative',
      'benefit-outweighs',
    ],
    ['BNF hydroxocobalamin', 'DailyMed cyanocobalamin'],
  ],
  [
    'cyanocobalamin-renal',
    'info',
    'orders',
    ['benefit-outweighs', 'not-clinically-relevant', 'specialist-managing'],
    ['BNF cyanocobalamin', 'DailyMed cyanocobalamin'],
  ],
  [
    'hypokalaemia-monitoring',
    'info',
    'orders',
    ['already-addressed', 'test-already-ordered', 'not-clinically-relevant'],
    ['DailyMed cyanocobalamin', 'NICE CKS'],
  ],
  [
    'b12-prophylaxis-malabsorption',
    'info',
    'pv',
    ['treated-elsewhere', 'not-clinically-relevant', 'specialist-managing', 'patient-declined'],
    ['BNF hydroxocobalamin', 'AFP 2017', 'NICE NG239'],
  ],
  [
    'outside-guideline-age',
    'info',
    'pv',
    ['specialist-managing', 'already-addressed', 'not-clinically-relevant'],
    ['NICE NG239'],
  ],
  [
    'b12-review-due',
    'info',
    'pv',
    ['already-addressed', 'test-already-ordered', 'not-clinically-relevant'],
    ['NICE NG239'],
  ],
  [
    'b12-result-unreadable',
    'info',
    'pv',
    ['already-addressed', 'not-clinically-relevant'],
    ['NICE NG239'],
  ],
  [
    'b12-low-on-oral',
    'warning',
    'pv',
    ['treated-elsewhere', 'result-not-representative', 'patient-declined', 'specialist-managing'],
    ['NICE NG239', 'BNF hydroxocobalamin'],
  ],
];

/** RULES.md 5.0 "Links" (label: URL). */
const LINK_URLS: Record<string, string> = {
  'NICE NG239': 'https://www.nice.org.uk/guidance/ng239',
  'NICE CKS': 'https://cks.nice.org.uk/topics/anaemia-b12-folate-deficiency/',
  'BNF hydroxocobalamin': 'https://bnf.nice.org.uk/drugs/hydroxocobalamin/',
  'BNF folic acid': 'https://bnf.nice.org.uk/drugs/folic-acid/',
  'BNF cyanocobalamin': 'https://bnf.nice.org.uk/drugs/cyanocobalamin/',
  'BSH 2014': 'https://doi.org/10.1111/bjh.12959',
  'AFP 2017': 'https://www.aafp.org/pubs/afp/issues/2017/0915/p384.html',
  'WHO 2011': 'https://www.who.int/publications/i/item/WHO-NMH-NHD-MNM-11.1',
  'DailyMed cyanocobalamin':
    'https://dailymed.nlm.nih.gov/dailymed/search.cfm?query=cyanocobalamin',
};

/** RULES.md 5.0 "Override reasons" (code: display). */
const REASON_DISPLAYS: Record<string, string> = {
  'test-already-ordered': 'B12 test already ordered or done elsewhere',
  'alternative-explanation': 'Findings have another explanation',
  'patient-declined': 'Patient declined',
  'not-clinically-relevant': 'Not clinically relevant for this patient',
  'treated-elsewhere': 'B12 treatment given or recorded elsewhere',
  'already-addressed': 'Already addressed; plan documented',
  'specialist-managing': 'Specialist (haematology/neurology) is managing',
  'result-not-representative':
    'Result not representative (post-injection, assay or sample problem)',
  'empirical-both': 'Seriously ill: B12 and folic acid given together while awaiting results',
  'prophylactic-dose': 'Low-dose prophylactic folic acid',
  'precautions-in-place': 'Fine needle and prolonged pressure will be used',
  'haematology-agreed': 'Haematology agreed the IM route',
  'benefit-outweighs': 'Benefit outweighs risk',
};

describe('the card catalog (cds-services/b12/catalog.ts) is the rule book’s (RULES.md 5)', () => {
  it('has exactly the 19 card codes of RULES.md 5.2–5.20', () => {
    expect(Object.keys(CARD_CATALOG).sort()).toEqual(RULE_BOOK.map(([code]) => code).sort());
  });

  it.each(RULE_BOOK)(
    '%s: indicator %s, hooks, override reasons and links as in the rule book',
    (code, indicator, hooks, reasons, links) => {
      const entry = CARD_CATALOG[code as CardCode];
      expect(entry.indicator).toBe(indicator);
      expect([...entry.hooks]).toEqual(HOOKS[hooks]);
      expect([...entry.overrideReasons]).toEqual(reasons);
      expect(entry.links.map((key) => LINKS[key].label)).toEqual(links);
    },
  );

  it('every link URL is the one RULES.md 5.0 gives for its label', () => {
    for (const link of Object.values(LINKS)) expect(link.url).toBe(LINK_URLS[link.label]);
  });

  it('every override reason display is the one RULES.md 5.0 gives for its code', () => {
    expect(OVERRIDE_REASONS).toEqual(REASON_DISPLAYS);
  });
});

const CONTEXT: CardCheckContext = {
  hook: 'order-sign',
  patientId: 'pat-1',
  draftIds: ['draft-1'],
  focusedIds: ['draft-1'],
};

const SPEC: CardSpec = {
  code: 'im-injection-thrombocytopenia',
  summary: 'Platelets 32 ×10⁹/L: bleeding risk with IM B12 injection — consider another route',
  detail: ['Evidence: platelets 32 10*9/L, 2026-11-18.'],
  suggestions: [
    {
      label: 'Replace the IM order with oral cyanocobalamin 1 mg daily',
      actions: [
        actions.remove('draft-1', 'Remove the IM order'),
        actions.prescribe(regimens.oral('pat-1'), 'Start oral cyanocobalamin'),
      ],
    },
  ],
  selectionBehavior: 'at-most-one',
};

interface Action {
  resourceId?: string;
  resource?: {
    resourceType?: string;
    status?: string;
    id?: string;
    subject: { reference: string };
  };
}

/** The card as JSON, typed just enough to break it on purpose. */
interface Card {
  uuid?: string;
  summary: string;
  detail?: string;
  indicator: string;
  selectionBehavior?: string;
  source: { topic: { system?: string; code?: string; display?: string } };
  overrideReasons: { display?: string }[];
  links: unknown[];
  suggestions: { uuid?: string; actions: Action[] }[];
}

const goodCard = (): Card =>
  JSON.parse(JSON.stringify(cardsOf([SPEC], [], 'http://localhost:3000').cards[0])) as Card;

function first<T>(list: readonly T[]): T {
  const [item] = list;
  if (item === undefined) throw new Error('empty list');
  return item;
}

const suggestion = (card: Card): Card['suggestions'][number] => first(card.suggestions);
const removal = (card: Card): Action => first(suggestion(card).actions);
const created = (card: Card): NonNullable<Action['resource']> => {
  const resource = suggestion(card).actions[1]?.resource;
  if (!resource) throw new Error('no created resource');
  return resource;
};

describe('cardProblems: every fault is caught', () => {
  it('a correct card has no problems', () => {
    expect(cardProblems(goodCard(), '$', CONTEXT)).toEqual([]);
  });

  it('a correct card passes as a whole response', () => {
    expect(() => {
      expectB12Response(
        { cards: [goodCard()] },
        {
          hook: 'order-sign',
          context: {
            patientId: 'pat-1',
            draftOrders: {
              entry: [{ resource: { resourceType: 'MedicationRequest', id: 'draft-1' } }],
            },
          },
        },
      );
    }).not.toThrow();
  });

  const FAULTS: [string, (card: Card) => void, RegExp][] = [
    ['a 140-character summary', (c) => (c.summary = 'x'.repeat(140)), /summary: 140/],
    ['no uuid', (c) => delete c.uuid, /uuid/],
    ['a suggestion without uuid', (c) => delete suggestion(c).uuid, /suggestions\[0\]\.uuid/],
    ['suggestions without selectionBehavior', (c) => delete c.selectionBehavior, /together/],
    ['an empty field', (c) => (c.detail = ''), /empty string/],
    [
      'an unknown topic code',
      (c) => (c.source.topic.code = 'b12-other'),
      /not a catalog card code/,
    ],
    ['a topic without system', (c) => delete c.source.topic.system, /topic\.system/],
    ['a topic without display', (c) => delete c.source.topic.display, /topic\.display/],
    ['an indicator not in the catalog', (c) => (c.indicator = 'info'), /indicator is info/],
    [
      'an override reason without display',
      (c) => delete first(c.overrideReasons).display,
      /no display/,
    ],
    [
      'override reasons not the catalog’s',
      (c) => c.overrideReasons.pop(),
      /overrideReasons are not/,
    ],
    ['links not the catalog’s', (c) => c.links.splice(0, 1), /links are not/],
    ['no guidance link', (c) => c.links.pop(), /do not end with its guidance page/],
    [
      'a guidance link to another card’s page',
      (c) =>
        (c.links[c.links.length - 1] = {
          label: 'How this card decides (B12 CDS)',
          url: 'http://localhost:3000/cards/b12-test-consider',
          type: 'absolute',
        }),
      /do not end with its guidance page/,
    ],
    [
      'a created resource that is not valid R4',
      (c) => (created(c).status = 'planned'),
      /not valid FHIR R4/,
    ],
    [
      'a created resource for another patient',
      (c) => (created(c).subject.reference = 'Patient/other'),
      /not Patient\/pat-1/,
    ],
    ['a created resource with an id', (c) => (created(c).id = 'x'), /has an id/],
    ['a delete without resourceId', (c) => delete removal(c).resourceId, /without resourceId/],
    [
      'a delete with a resource',
      (c) =>
        (removal(c).resource = {
          resourceType: 'MedicationRequest',
          subject: { reference: 'Patient/pat-1' },
        }),
      /carries a resource/,
    ],
    [
      'a delete of something that is not a focused draft',
      (c) => (removal(c).resourceId = 'MedicationRequest/other'),
      /not a focused draft/,
    ],
    [
      'both regimens on one card',
      (c) => (c.detail = 'three times a week; until no further improvement'),
      /both the loading/,
    ],
    [
      'the US hydroxocobalamin regimen',
      (c) => (c.detail = 'give 30 micrograms daily'),
      /30 micrograms/,
    ],
  ];

  it.each(FAULTS)('catches %s', (_name, breakIt, message) => {
    const card = goodCard();
    breakIt(card);
    expect(cardProblems(card, '$', CONTEXT).join('\n')).toMatch(message);
  });

  it('catches a card returned on a hook the catalog does not list', () => {
    expect(cardProblems(goodCard(), '$', { ...CONTEXT, hook: 'patient-view' }).join('\n')).toMatch(
      /returned on patient-view/,
    );
  });

  it('accepts im-injection-thrombocytopenia as critical (RULES.md 5.13: platelets < 10)', () => {
    const card = goodCard();
    card.indicator = 'critical';
    expect(cardProblems(card, '$', CONTEXT)).toEqual([]);
  });

  it('catches two cards with one code in a response', () => {
    const request = {
      hook: 'order-sign',
      context: {
        patientId: 'pat-1',
        draftOrders: {
          entry: [{ resource: { resourceType: 'MedicationRequest', id: 'draft-1' } }],
        },
      },
    };
    expect(() => {
      expectB12Response({ cards: [goodCard(), goodCard()] }, request);
    }).toThrow(/more than one card for im-injection-thrombocytopenia/);
  });

  it('uses the override system of the catalog', () => {
    expect(goodCard().overrideReasons).toContainEqual(
      expect.objectContaining({ system: OVERRIDE_SYSTEM }),
    );
  });
});
