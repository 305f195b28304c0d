import type { Card, Coding, Suggestion } from '../../src/cds-hooks/cards.js';
import { h } from './dom.js';
import { markdownHtml } from './markdown.js';

/**
 * Cards drawn as an EHR shows them (CDS Hooks 2.0 §Card attributes): indicator, summary, detail,
 * source, suggestions and links; accepting a suggestion or dismissing with a reason sends real
 * feedback (§Feedback) to the service.
 */

export type SendFeedback = (feedback: Record<string, unknown>) => Promise<void>;

const INDICATOR_NAMES = { info: 'Info', warning: 'Warning', critical: 'Critical' } as const;

function detailBlock(detail: string): HTMLElement {
  const block = h('div', { class: 'markdown' });
  // The only HTML string on the page: markdown-it's, in which card text is escaped (markdown.ts).
  block.innerHTML = markdownHtml(detail);
  return block;
}

function actionsText(suggestion: Suggestion): string {
  return (suggestion.actions ?? [])
    .map((action) => `${action.type}: ${action.description}`)
    .join('; ');
}

function feedbackControls(card: Card, send: SendFeedback): HTMLElement {
  const status = h('p', { class: 'feedback-status', role: 'status', 'aria-live': 'polite' });
  const controls = h('div', { class: 'card-actions' });
  const settle = async (feedback: Record<string, unknown>, done: string): Promise<void> => {
    for (const control of controls.querySelectorAll('button, select')) {
      (control as HTMLButtonElement).disabled = true;
    }
    status.textContent = 'Sending feedback…';
    try {
      await send({ card: card.uuid, outcomeTimestamp: new Date().toISOString(), ...feedback });
      status.textContent = `Feedback sent: ${done}`;
      status.dataset.sent = 'true';
    } catch (error) {
      status.textContent = `Feedback failed: ${(error as Error).message}`;
      for (const control of controls.querySelectorAll('button, select')) {
        (control as HTMLButtonElement).disabled = false;
      }
    }
  };

  for (const suggestion of card.suggestions ?? []) {
    const button = h(
      'button',
      {
        type: 'button',
        class: suggestion.isRecommended ? 'suggestion recommended' : 'suggestion',
        title: actionsText(suggestion),
        'data-suggestion': suggestion.uuid,
      },
      suggestion.label,
      suggestion.isRecommended ? h('span', { class: 'badge' }, 'recommended') : null,
    );
    button.addEventListener('click', () => {
      void settle(
        { outcome: 'accepted', acceptedSuggestions: [{ id: suggestion.uuid }] },
        `accepted “${suggestion.label}”`,
      );
    });
    controls.append(button);
  }

  const reasons: readonly Coding[] = card.overrideReasons ?? [];
  const reasonSelect = h(
    'select',
    { 'aria-label': `Reason for dismissing: ${card.summary}` },
    h('option', { value: '' }, 'No reason given'),
    ...reasons.map((reason, index) => h('option', { value: index }, reason.display ?? reason.code)),
  );
  const dismiss = h('button', { type: 'button', class: 'dismiss' }, 'Dismiss');
  dismiss.addEventListener('click', () => {
    const reason = reasons[Number(reasonSelect.value)];
    void settle(
      reasonSelect.value === '' || reason === undefined
        ? { outcome: 'overridden' }
        : { outcome: 'overridden', overrideReason: { reason } },
      reason === undefined ? 'dismissed' : `dismissed (${reason.display ?? reason.code})`,
    );
  });
  controls.append(h('span', { class: 'override' }, reasonSelect, dismiss));
  return h('div', {}, controls, status);
}

export function renderCard(card: Card, send: SendFeedback): HTMLElement {
  const topic = card.source.topic;
  return h(
    'article',
    {
      class: `card indicator-${card.indicator}`,
      'data-code': topic?.code,
      'data-indicator': card.indicator,
      'aria-label': `${INDICATOR_NAMES[card.indicator]}: ${card.summary}`,
    },
    h(
      'header',
      {},
      h('span', { class: 'indicator' }, INDICATOR_NAMES[card.indicator]),
      h('h3', { class: 'summary' }, card.summary),
    ),
    card.detail === undefined ? null : detailBlock(card.detail),
    h(
      'p',
      { class: 'source' },
      'Source: ',
      card.source.url === undefined
        ? card.source.label
        : h(
            'a',
            { href: card.source.url, target: '_blank', rel: 'noopener noreferrer' },
            card.source.label,
          ),
      topic ? h('code', { class: 'topic', title: topic.system }, topic.code) : null,
    ),
    card.links && card.links.length > 0
      ? h(
          'ul',
          { class: 'links' },
          ...card.links.map((link) =>
            h(
              'li',
              {},
              h('a', { href: link.url, target: '_blank', rel: 'noopener noreferrer' }, link.label),
            ),
          ),
        )
      : null,
    feedbackControls(card, send),
  );
}
