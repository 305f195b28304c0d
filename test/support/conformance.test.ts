import { describe, expect, it } from 'vitest';
import { expectConformantResponse, expectOperationOutcome } from './conformance.js';

const UUID_1 = '0b6f3d3e-6f5c-4d4a-9a57-1d1f2b8f0c11';
const UUID_2 = '6a1c8a52-58a4-4a8e-8f3e-2b7d3f1c9e22';
const UUID_3 = 'c2f1e0d9-3b4a-4c5d-8e6f-7a8b9c0d1e33';

const goodCard = (): Record<string, unknown> => ({
  uuid: UUID_1,
  summary: 'Consider a vitamin B12 test',
  indicator: 'info',
  source: { label: 'B12 service', topic: { system: 'https://example.org', code: 'b12-test' } },
  suggestions: [
    {
      label: 'Order a B12 test',
      uuid: UUID_2,
      isRecommended: true,
      actions: [
        {
          type: 'create',
          description: 'Order serum B12',
          resource: { resourceType: 'ServiceRequest', status: 'draft' },
        },
      ],
    },
    {
      label: 'Stop the old order',
      uuid: UUID_3,
      actions: [
        { type: 'delete', description: 'Remove duplicate', resourceId: 'ServiceRequest/1' },
      ],
    },
  ],
  selectionBehavior: 'at-most-one',
  overrideReasons: [{ system: 'https://example.org', code: 'done', display: 'Already tested' }],
  links: [
    { label: 'Guideline', url: 'https://www.nice.org.uk/guidance/ng239', type: 'absolute' },
    { label: 'App', url: 'https://app.example/launch', type: 'smart', appContext: 'x=1' },
  ],
});

const withCard = (changes: Record<string, unknown>): unknown => ({
  cards: [{ ...goodCard(), ...changes }],
});

describe('the CDS Hooks 2.0 response oracle', () => {
  it('accepts `{ cards: [] }`, the one empty value the spec allows', () => {
    expect(() => expectConformantResponse({ cards: [] })).not.toThrow();
  });

  it('accepts a full card that follows every rule', () => {
    expect(() => expectConformantResponse(withCard({}))).not.toThrow();
  });

  it('rejects a body without a cards array', () => {
    expect(() => expectConformantResponse({})).toThrow(/cards/);
    expect(() => expectConformantResponse({ cards: {} })).toThrow(/cards/);
  });

  it('rejects a card with suggestions but no selectionBehavior (cds-resp-6)', () => {
    expect(() => expectConformantResponse(withCard({ selectionBehavior: undefined }))).toThrow(
      /selectionBehavior/,
    );
  });

  it('rejects two recommended suggestions under at-most-one (cds-resp-1)', () => {
    const card = goodCard();
    const suggestions = card.suggestions as Record<string, unknown>[];
    const recommendedTwice = suggestions.map((s) => ({ ...s, isRecommended: true }));
    expect(() => expectConformantResponse(withCard({ suggestions: recommendedTwice }))).toThrow(
      /at-most-one/,
    );
  });

  it('rejects a delete action with a resource or without a resourceId (cds-resp-2)', () => {
    const deleteWith = (action: Record<string, unknown>): unknown =>
      withCard({
        suggestions: [{ label: 'x', uuid: UUID_2, actions: [action] }],
      });
    expect(() =>
      expectConformantResponse(
        deleteWith({
          type: 'delete',
          description: 'd',
          resourceId: 'ServiceRequest/1',
          resource: { resourceType: 'ServiceRequest' },
        }),
      ),
    ).toThrow(/no resource/);
    expect(() =>
      expectConformantResponse(deleteWith({ type: 'delete', description: 'd' })),
    ).toThrow(/resourceId/);
  });

  it('rejects appContext on an absolute link (cds-resp-3)', () => {
    expect(() =>
      expectConformantResponse(
        withCard({ links: [{ label: 'l', url: 'https://x', type: 'absolute', appContext: 'a' }] }),
      ),
    ).toThrow(/appContext/);
  });

  it('rejects an override reason without display (cds-resp-4)', () => {
    expect(() =>
      expectConformantResponse(
        withCard({ overrideReasons: [{ system: 'https://example.org', code: 'x' }] }),
      ),
    ).toThrow(/overrideReasons\[0\]\.display/);
  });

  it('rejects an action without a description (cds-resp-5)', () => {
    expect(() =>
      expectConformantResponse({
        cards: [],
        systemActions: [{ type: 'create', resource: { resourceType: 'Task' } }],
      }),
    ).toThrow(/description/);
  });

  it('rejects an empty links array (empty optional fields must be omitted)', () => {
    expect(() => expectConformantResponse(withCard({ links: [] }))).toThrow(/empty array/);
  });

  it('rejects null, "" and {} in optional fields', () => {
    expect(() => expectConformantResponse(withCard({ detail: '' }))).toThrow(/empty string/);
    expect(() => expectConformantResponse(withCard({ detail: null }))).toThrow(/null/);
    expect(() => expectConformantResponse(withCard({ extension: {} }))).toThrow(/empty object/);
  });

  it('rejects a 140-character summary ("<140-character")', () => {
    expect(() => expectConformantResponse(withCard({ summary: 'x'.repeat(139) }))).not.toThrow();
    expect(() => expectConformantResponse(withCard({ summary: 'x'.repeat(140) }))).toThrow(
      /summary/,
    );
  });

  it('rejects a uuid used twice in one response (feedback could not tell them apart)', () => {
    const card = goodCard();
    expect(() => expectConformantResponse({ cards: [card, card] })).toThrow(/repeated/);
  });

  it('rejects a relative source.url or absolute-link url', () => {
    expect(() =>
      expectConformantResponse(withCard({ source: { label: 'x', url: '/about' } })),
    ).toThrow(/source\.url/);
    expect(() =>
      expectConformantResponse(
        withCard({ links: [{ label: 'l', url: 'guidance/ng239', type: 'absolute' }] }),
      ),
    ).toThrow(/links\[0\]\.url/);
  });

  it('rejects a card without uuid, indicator or source.label', () => {
    expect(() => expectConformantResponse(withCard({ uuid: undefined }))).toThrow(/uuid/);
    expect(() => expectConformantResponse(withCard({ indicator: 'hard-stop' }))).toThrow(
      /indicator/,
    );
    expect(() => expectConformantResponse(withCard({ source: { url: 'https://x' } }))).toThrow(
      /source\.label/,
    );
  });
});

describe('the OperationOutcome oracle', () => {
  const outcome = {
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'error', code: 'invalid', diagnostics: 'bad', expression: ['hook'] }],
  };

  it('accepts an error OperationOutcome and checks status and content type of a response', () => {
    expect(expectOperationOutcome(outcome).issue[0]?.code).toBe('invalid');
    const response = {
      status: 400,
      body: outcome,
      headers: { 'content-type': 'application/json; charset=utf-8' },
    };
    expect(() => expectOperationOutcome(response, 400)).not.toThrow();
    expect(() => expectOperationOutcome(response, 404)).toThrow(/expected HTTP 404/);
    expect(() =>
      expectOperationOutcome({ ...response, headers: { 'content-type': 'text/html' } }, 400),
    ).toThrow(/content-type/);
  });

  it('rejects other bodies, no issues, and issue codes outside the FHIR value set', () => {
    expect(() => expectOperationOutcome({ error: 'x' })).toThrow(/resourceType/);
    expect(() => expectOperationOutcome({ resourceType: 'OperationOutcome', issue: [] })).toThrow(
      /issue/,
    );
    expect(() =>
      expectOperationOutcome({
        resourceType: 'OperationOutcome',
        issue: [{ severity: 'error', code: 'bad-request' }],
      }),
    ).toThrow(/code/);
  });
});
