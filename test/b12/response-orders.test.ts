import { describe, expect, it } from 'vitest';
import type { SuggestionInput } from '../../src/cds-hooks/cards.js';
import type { CardSpec } from '../../cds-services/b12/cards.js';
import { actions, regimens } from '../../cds-services/b12/orders.js';
import {
  oneOrderPerMedication,
  recommendedFirst,
  seeCard,
} from '../../cds-services/b12/response-orders.js';

/** What one response orders (RULES.md 10.9.2, 10.9.3), on hand-made card specs. */

const ID = 'p1';
const load = actions.prescribe(regimens.load(ID), 'load');
const proph = actions.prescribe(regimens.prophylaxis(ID), 'prophylaxis');
const oral = actions.prescribe(regimens.oral(ID), 'oral');
const folic = actions.prescribe(regimens.folicAcid5(ID), 'folic acid');
const test = actions.order(ID, 'totalB12');

const spec = (
  code: CardSpec['code'],
  suggestions: SuggestionInput[],
  indicator?: CardSpec['indicator'],
): CardSpec => ({
  code,
  summary: code,
  detail: ['Evidence: x.', 'Action.'],
  suggestions,
  selectionBehavior: 'any',
  ...(indicator ? { indicator } : {}),
});

describe('recommendedFirst (RULES.md 10.9.2)', () => {
  it('lists the recommended suggestion first and keeps the others in order', () => {
    const ordered = recommendedFirst(
      spec('b12-deficiency-treat', [
        { label: 'a', isRecommended: false, actions: [load] },
        { label: 'b', actions: [test] },
        { label: 'c', isRecommended: true, actions: [oral] },
      ]),
    );
    expect(ordered.suggestions?.map((s) => s.label)).toEqual(['c', 'a', 'b']);
  });
});

describe('oneOrderPerMedication (RULES.md 10.9.3)', () => {
  it('a warning card loses to a critical card the medication both create, keeps its other actions, and names the card that orders it', () => {
    const [treat, neuro] = oneOrderPerMedication([
      spec('combined-b12-folate-deficiency', [{ label: 'both', actions: [load, folic] }]),
      spec('b12-deficiency-neuro-urgent', [{ label: 'neuro', actions: [load] }]),
    ]);
    expect(treat?.suggestions?.[0]?.actions).toEqual([folic]);
    expect(treat?.detail).toEqual([
      'Evidence: x.',
      seeCard('b12-deficiency-neuro-urgent'),
      'Action.',
    ]);
    expect(neuro?.suggestions?.[0]?.actions).toEqual([load]);
  });

  it('the same medication with another schedule counts as the same (MR-PROPH and MR-LOAD)', () => {
    const [, prophylaxis] = oneOrderPerMedication([
      spec('b12-deficiency-treat', [{ label: 'load', actions: [load] }]),
      spec('b12-prophylaxis-malabsorption', [
        { label: 'test', actions: [test] },
        { label: 'proph', actions: [proph] },
      ]),
    ]);
    expect(prophylaxis?.suggestions?.map((s) => s.label)).toEqual(['test']);
    expect(prophylaxis?.selectionBehavior).toBe('any');
  });

  it('a card left with no suggestion has neither suggestions nor selectionBehavior', () => {
    const [, prophylaxis] = oneOrderPerMedication([
      spec('b12-deficiency-treat', [{ label: 'load', actions: [load] }]),
      spec('b12-prophylaxis-malabsorption', [{ label: 'proph', actions: [proph] }]),
    ]);
    expect(prophylaxis).not.toHaveProperty('suggestions');
    expect(prophylaxis).not.toHaveProperty('selectionBehavior');
    expect(prophylaxis?.detail).toContain('Regimen: see the B12 deficiency: start treatment card');
  });

  it('with equal indicators the catalog order decides; the cards keep their response order', () => {
    const specs = oneOrderPerMedication([
      spec('b12-low-on-oral', [{ label: 'switch', actions: [load] }]),
      spec('b12-deficiency-treat', [{ label: 'load', actions: [load] }]),
    ]);
    expect(specs.map((s) => s.code)).toEqual(['b12-low-on-oral', 'b12-deficiency-treat']);
    expect(specs[0]).not.toHaveProperty('suggestions');
    expect(specs[1]?.suggestions?.[0]?.actions).toEqual([load]);
  });

  it('a finding-dependent indicator counts: a critical platelet card outranks a warning', () => {
    const [treat, im] = oneOrderPerMedication([
      spec('b12-deficiency-treat', [{ label: 'oral', actions: [oral] }]),
      spec('im-injection-thrombocytopenia', [{ label: 'oral', actions: [oral] }], 'critical'),
    ]);
    expect(treat).not.toHaveProperty('suggestions');
    expect(im?.suggestions).toHaveLength(1);
  });

  it('cards ordering different medications are left as they are', () => {
    const specs = [
      spec('b12-deficiency-treat', [{ label: 'load', actions: [load] }]),
      spec('b12-test-recommended', [{ label: 'test', actions: [test] }]),
    ];
    expect(oneOrderPerMedication(specs)).toEqual(specs);
  });
});
