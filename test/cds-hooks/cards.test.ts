import { describe, expect, it } from 'vitest';
import { NonConformantCardError, card, cdsResponse } from '../../src/cds-hooks/cards.js';
import type { Action, CardInput, Link } from '../../src/cds-hooks/cards.js';
import { expectConformantResponse } from '../support/conformance.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const SOURCE = { label: 'B12 service' };

const base = (): CardInput => ({
  summary: 'Consider a vitamin B12 test',
  indicator: 'info',
  source: SOURCE,
});

const createAction: Action = {
  type: 'create',
  description: 'Order a serum B12 test',
  resource: {
    resourceType: 'ServiceRequest',
    status: 'draft',
    intent: 'order',
    subject: { reference: 'Patient/b12-demo' },
  },
};

const full = (): CardInput => ({
  summary: 'Vitamin B12 deficiency is likely',
  detail: 'Serum B12 is **low** and methylmalonic acid is raised.',
  indicator: 'warning',
  source: {
    label: 'B12 service',
    url: 'https://www.nice.org.uk/guidance/ng239',
    topic: { system: 'https://b12.example/topics', code: 'b12-low', display: 'Low B12' },
  },
  suggestions: [
    { label: 'Start hydroxocobalamin', isRecommended: true, actions: [createAction] },
    {
      label: 'Cancel folic acid',
      actions: [
        {
          type: 'delete',
          description: 'Remove the folic acid draft',
          resourceId: 'MedicationRequest/request-123',
        },
      ],
    },
  ],
  selectionBehavior: 'at-most-one',
  overrideReasons: [
    { system: 'https://b12.example/override', code: 'already-treated', display: 'Already treated' },
  ],
  links: [
    { label: 'NICE NG239', url: 'https://www.nice.org.uk/guidance/ng239', type: 'absolute' },
    {
      label: 'B12 calculator',
      url: 'https://app.example/launch',
      type: 'smart',
      appContext: '{"patient":"x"}',
    },
  ],
});

describe('card(): identifiers', () => {
  it('gives the card and each suggestion a distinct UUID, so feedback can name them (spec L880)', () => {
    const built = card(full());
    const ids = [built.uuid, ...(built.suggestions ?? []).map((suggestion) => suggestion.uuid)];
    expect(ids).toHaveLength(3);
    for (const id of ids) expect(id).toMatch(UUID);
    expect(new Set(ids).size).toBe(3);
  });

  it('gives every built card a fresh UUID', () => {
    expect(card(base()).uuid).not.toBe(card(base()).uuid);
  });
});

describe('card(): empty optional fields are omitted (spec L45–52)', () => {
  it('omits empty detail, links, overrideReasons and source url/icon', () => {
    const built = card({
      ...base(),
      detail: '',
      links: [],
      overrideReasons: [],
      source: { label: 'B12 service', url: '', icon: '' },
    });
    expect(built).not.toHaveProperty('detail');
    expect(built).not.toHaveProperty('links');
    expect(built).not.toHaveProperty('overrideReasons');
    expect(built.source).toEqual({ label: 'B12 service' });
    expectConformantResponse(cdsResponse([built]));
  });

  it('omits a whitespace-only detail', () => {
    expect(card({ ...base(), detail: '   ' })).not.toHaveProperty('detail');
  });

  it('omits both suggestions and selectionBehavior when the suggestion list is empty', () => {
    const built = card({ ...base(), suggestions: [], selectionBehavior: 'any' });
    expect(built).not.toHaveProperty('suggestions');
    expect(built).not.toHaveProperty('selectionBehavior');
    expectConformantResponse(cdsResponse([built]));
  });

  it('omits an empty actions list on a suggestion', () => {
    const built = card({
      ...base(),
      suggestions: [{ label: 'Just a thought', actions: [] }],
      selectionBehavior: 'any',
    });
    expect(built.suggestions?.[0]).not.toHaveProperty('actions');
    expectConformantResponse(cdsResponse([built]));
  });

  it('omits an empty appContext on a smart link', () => {
    const built = card({
      ...base(),
      links: [{ label: 'App', url: 'https://app.example/launch', type: 'smart', appContext: '' }],
    });
    expect(built.links?.[0]).toEqual({
      label: 'App',
      url: 'https://app.example/launch',
      type: 'smart',
    });
  });

  it('omits an empty display on the source topic Coding', () => {
    const built = card({
      ...base(),
      source: {
        label: 'B12 service',
        topic: { system: 'https://b12.example', code: 't', display: '' },
      },
    });
    expect(built.source.topic).toEqual({ system: 'https://b12.example', code: 't' });
    expectConformantResponse(cdsResponse([built]));
  });

  it('omits systemActions from the response when there are none', () => {
    expect(cdsResponse([])).toEqual({ cards: [] });
    expect(cdsResponse([], [])).toEqual({ cards: [] });
    expectConformantResponse(cdsResponse([]));
  });
});

describe('card(): the specification rules are enforced by throwing', () => {
  it('throws for a summary of 140 characters or more ("<140-character"), accepts 139', () => {
    expect(card({ ...base(), summary: 'x'.repeat(139) }).summary).toHaveLength(139);
    expect(() => card({ ...base(), summary: 'x'.repeat(140) })).toThrow(NonConformantCardError);
    expect(() => card({ ...base(), summary: 'x'.repeat(300) })).toThrow(NonConformantCardError);
  });

  it('throws for a blank summary or source label (both REQUIRED)', () => {
    expect(() => card({ ...base(), summary: '  ' })).toThrow(NonConformantCardError);
    expect(() => card({ ...base(), source: { label: '' } })).toThrow(NonConformantCardError);
  });

  it('throws for an indicator outside info | warning | critical', () => {
    expect(() => card({ ...base(), indicator: 'hard-stop' } as unknown as CardInput)).toThrow(
      NonConformantCardError,
    );
  });

  it('throws for two recommended suggestions under at-most-one (cds-resp-1), allows them under any', () => {
    const suggestions = [
      { label: 'A', isRecommended: true },
      { label: 'B', isRecommended: true },
    ];
    expect(() => card({ ...base(), suggestions, selectionBehavior: 'at-most-one' })).toThrow(
      NonConformantCardError,
    );
    const built = card({ ...base(), suggestions, selectionBehavior: 'any' });
    expect(built.selectionBehavior).toBe('any');
    expectConformantResponse(cdsResponse([built]));
  });

  it('throws when suggestions come without a selectionBehavior (cds-resp-6), even from untyped callers', () => {
    const input = { ...base(), suggestions: [{ label: 'A' }] } as unknown as CardInput;
    expect(() => card(input)).toThrow(NonConformantCardError);
  });

  it('throws for an override reason without display (cds-resp-4)', () => {
    expect(() =>
      card({
        ...base(),
        overrideReasons: [{ system: 'https://b12.example/override', code: 'no-display' }],
      }),
    ).toThrow(NonConformantCardError);
  });

  it('throws for an action without a description (cds-resp-5)', () => {
    expect(() =>
      card({
        ...base(),
        suggestions: [{ label: 'A', actions: [{ ...createAction, description: ' ' }] }],
        selectionBehavior: 'any',
      }),
    ).toThrow(NonConformantCardError);
  });

  it.each(['https://ehr.example/fhir/MedicationRequest/1', 'MedicationRequest', '123', ''])(
    'throws for a delete action whose resourceId is not a relative reference (%j) (cds-resp-2)',
    (resourceId) => {
      expect(() =>
        card({
          ...base(),
          suggestions: [
            { label: 'A', actions: [{ type: 'delete', description: 'Remove', resourceId }] },
          ],
          selectionBehavior: 'any',
        }),
      ).toThrow(NonConformantCardError);
    },
  );

  it('builds a delete action with its relative resourceId and without any resource (cds-resp-2)', () => {
    const sneaky = {
      type: 'delete',
      description: 'Remove the draft',
      resourceId: 'MedicationRequest/request-123',
      resource: { resourceType: 'MedicationRequest', id: 'request-123' },
    } as unknown as Action;
    const built = card({
      ...base(),
      suggestions: [{ label: 'A', actions: [sneaky] }],
      selectionBehavior: 'any',
    });
    expect(built.suggestions?.[0]?.actions).toEqual([
      {
        type: 'delete',
        description: 'Remove the draft',
        resourceId: 'MedicationRequest/request-123',
      },
    ]);
    expectConformantResponse(cdsResponse([built]));
  });

  it('throws for a create action without a resource', () => {
    const broken = { type: 'create', description: 'Create nothing' } as unknown as Action;
    expect(() =>
      card({
        ...base(),
        suggestions: [{ label: 'A', actions: [broken] }],
        selectionBehavior: 'any',
      }),
    ).toThrow();
  });

  it('throws for appContext on an absolute link (cds-resp-3)', () => {
    const link: Link = {
      label: 'Guideline',
      url: 'https://www.nice.org.uk/guidance/ng239',
      type: 'absolute',
      appContext: 'x=1',
    };
    expect(() => card({ ...base(), links: [link] })).toThrow(NonConformantCardError);
  });

  it('throws for a source.url, source.icon or absolute link url that is not an absolute URL', () => {
    expect(() => card({ ...base(), source: { label: 'B12', url: '/about' } })).toThrow(
      NonConformantCardError,
    );
    expect(() => card({ ...base(), source: { label: 'B12', icon: 'icon.png' } })).toThrow(
      NonConformantCardError,
    );
    expect(() =>
      card({ ...base(), links: [{ label: 'NICE', url: 'guidance/ng239', type: 'absolute' }] }),
    ).toThrow(NonConformantCardError);
  });

  it('throws for a link without url or label', () => {
    expect(() => card({ ...base(), links: [{ label: 'x', url: '', type: 'absolute' }] })).toThrow(
      NonConformantCardError,
    );
    expect(() =>
      card({ ...base(), links: [{ label: '', url: 'https://x', type: 'absolute' }] }),
    ).toThrow(NonConformantCardError);
  });

  it('checks systemActions like suggestion actions', () => {
    expect(() =>
      cdsResponse([], [{ type: 'delete', description: 'Remove', resourceId: 'not a reference' }]),
    ).toThrow(NonConformantCardError);
    const response = cdsResponse([], [createAction]);
    expect(response.systemActions).toEqual([createAction]);
    expectConformantResponse(response);
  });
});

describe('card(): output conforms to CDS Hooks 2.0', () => {
  it('keeps every given field of a full card and passes the conformance oracle', () => {
    const built = card(full());
    expect(built).toMatchObject({
      summary: 'Vitamin B12 deficiency is likely',
      detail: 'Serum B12 is **low** and methylmalonic acid is raised.',
      indicator: 'warning',
      selectionBehavior: 'at-most-one',
      source: {
        label: 'B12 service',
        url: 'https://www.nice.org.uk/guidance/ng239',
        topic: { system: 'https://b12.example/topics', code: 'b12-low', display: 'Low B12' },
      },
    });
    expect(built.suggestions?.map((suggestion) => suggestion.label)).toEqual([
      'Start hydroxocobalamin',
      'Cancel folic acid',
    ]);
    expect(built.links?.[1]?.appContext).toBe('{"patient":"x"}');
    expectConformantResponse(cdsResponse([built, card(base())]));
  });

  it('trims the summary it was given', () => {
    expect(card({ ...base(), summary: '  Consider a B12 test  ' }).summary).toBe(
      'Consider a B12 test',
    );
  });

  it('survives a JSON round trip unchanged (no undefined values standing in for omitted fields)', () => {
    const built = card(full());
    expect(JSON.parse(JSON.stringify(built))).toEqual(built);
    const keysWithUndefined = Object.entries(built).filter(([, value]) => value === undefined);
    expect(keysWithUndefined).toEqual([]);
  });
});
