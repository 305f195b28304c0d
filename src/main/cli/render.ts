import { cardCode } from '../../cds-hooks/cards.js';
import type { Action, Card, Indicator } from '../../cds-hooks/cards.js';
import type { Evaluation } from './evaluate.js';

/**
 * The cards of an evaluation as a clinician would read them in a terminal: indicator, summary and
 * card code first, then the evidence (the detail's first paragraph holds the values used), the
 * rest of the detail, the suggestions with their actions, override reasons and links.
 */

export interface RenderOptions {
  /** ANSI colour (only on a terminal, and never with NO_COLOR). */
  color: boolean;
  /** Wrap paragraphs to this many columns; unwrapped (one line each) when absent. */
  width?: number | undefined;
}

const INDENT = '  ';

const STYLES = {
  critical: '1;97;41',
  warning: '1;30;43',
  info: '1;97;44',
  bold: '1',
  dim: '2',
} as const;

type Style = keyof typeof STYLES;

/** Whether to colour a stream's output (https://no-color.org: any non-empty NO_COLOR). */
export function useColor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  return stream.isTTY === true && (env.NO_COLOR ?? '') === '';
}

/** Words of `text` in lines of at most `width` columns (a longer word keeps its own line). */
function wrap(text: string, width: number | undefined, first: string, rest = first): string[] {
  if (width === undefined) return [`${first}${text}`];
  const lines: string[] = [];
  let line = first;
  let empty = true;
  for (const word of text.split(/\s+/).filter((part) => part !== '')) {
    if (!empty && line.length + 1 + word.length > width) {
      lines.push(line);
      line = rest;
      empty = true;
    }
    line += empty ? word : ` ${word}`;
    empty = false;
  }
  lines.push(line);
  return lines;
}

function actionLine(action: Action): string {
  const target = action.type === 'delete' ? action.resourceId : action.resource.resourceType;
  return `${action.type} ${target}: ${action.description}`;
}

function renderCard(card: Card, options: RenderOptions): string[] {
  const paint = (style: Style, text: string): string =>
    options.color ? `\u001b[${STYLES[style]}m${text}\u001b[0m` : text;
  const label = (indicator: Indicator): string =>
    options.color
      ? paint(indicator, ` ${indicator.toUpperCase()} `)
      : `[${indicator.toUpperCase()}]`;
  const { width } = options;
  const topic = card.source.topic;
  const lines = [
    `${label(card.indicator)} ${paint('bold', card.summary)}`,
    paint(
      'dim',
      `${INDENT}card code: ${topic?.code ?? '(none)'}${topic?.display ? ` (${topic.display})` : ''} · source: ${card.source.label}`,
    ),
  ];

  const [evidence, ...paragraphs] = (card.detail ?? '')
    .split(/\n\s*\n/)
    .map((paragraph) => paragraph.trim())
    .filter((paragraph) => paragraph !== '');
  if (evidence !== undefined) {
    const [first = '', ...more] = wrap(evidence, width, INDENT);
    lines.push(
      '',
      first.replace(
        /^(\s*)(Evidence:)/,
        (_, space: string, word: string) => `${space}${paint('bold', word)}`,
      ),
      ...more,
    );
  }
  // A paragraph of bullets ("- …" lines) keeps one line per bullet, wrapped under its text.
  for (const paragraph of paragraphs) {
    lines.push('');
    for (const line of paragraph.split('\n').map((part) => part.trim())) {
      lines.push(...wrap(line, width, INDENT, line.startsWith('- ') ? `${INDENT}  ` : INDENT));
    }
  }

  const suggestions = card.suggestions ?? [];
  if (suggestions.length > 0) {
    const choice = card.selectionBehavior === 'any' ? 'any' : 'at most one';
    lines.push('', `${INDENT}${paint('bold', 'Suggestions')} (choose ${choice}):`);
    for (const suggestion of suggestions) {
      const recommended = suggestion.isRecommended === true ? ' [recommended]' : '';
      lines.push(
        ...wrap(`${suggestion.label}${recommended}`, width, `${INDENT}  - `, `${INDENT}    `),
      );
      for (const action of suggestion.actions ?? []) {
        lines.push(...wrap(actionLine(action), width, `${INDENT}      `, `${INDENT}        `));
      }
    }
  }
  const reasons = card.overrideReasons ?? [];
  if (reasons.length > 0) {
    lines.push('', `${INDENT}${paint('bold', 'Override reasons')}:`);
    for (const reason of reasons) {
      lines.push(...wrap(reason.display ?? reason.code, width, `${INDENT}  - `, `${INDENT}    `));
    }
  }
  const links = card.links ?? [];
  if (links.length > 0) {
    lines.push('', `${INDENT}${paint('bold', 'Links')}:`);
    for (const link of links) lines.push(`${INDENT}  - ${link.label}: ${link.url}`);
  }
  return lines;
}

/** The evaluation as text for a terminal, ending with a newline. */
export function renderEvaluation(evaluation: Evaluation, options: RenderOptions): string {
  const { cards, systemActions = [] } = evaluation.response;
  const count =
    cards.length === 0 ? 'no cards' : cards.length === 1 ? '1 card' : `${cards.length} cards`;
  const lines = [
    `${evaluation.serviceId} (${evaluation.hook}) for Patient/${evaluation.patientId} on ${evaluation.date}: ${count}`,
  ];
  for (const card of cards) lines.push('', ...renderCard(card, options));
  if (systemActions.length > 0) {
    lines.push('', 'System actions:');
    for (const action of systemActions) lines.push(`${INDENT}- ${actionLine(action)}`);
  }
  if (evaluation.silentCards.length > 0) {
    const codes = evaluation.silentCards.map(cardCode).join(', ');
    lines.push('', `Silent (would have been shown; not sent): ${codes}`);
  }
  return `${lines.join('\n')}\n`;
}
