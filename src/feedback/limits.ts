import type { FeedbackItem } from '../cds-hooks/feedback.js';
import { OperationOutcomeError } from '../fhir/operation-outcome.js';

/**
 * Bounds on what one client may write to the feedback store (issue 14, item 5): items per minute
 * per client and the length of an override reason's free-text comment. Feedback for unknown
 * cards stays accepted (another replica may have issued the card); these limits bound the rest.
 */

const WINDOW_MS = 60_000;

/**
 * Feedback items per minute per client, in fixed one-minute windows counted in this process. The
 * whole table is dropped when a window ends, so it holds at most one minute's clients.
 */
export class FeedbackItemLimit {
  private windowStart = 0;
  private readonly counts = new Map<string, number>();

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Counts `items` against `client`; throws 413 for a request larger than a whole minute's
   * allowance (it could never be accepted) and 429 with `Retry-After` beyond the allowance.
   */
  admit(client: string, items: number): void {
    if (this.perMinute === 0) return;
    if (items > this.perMinute) {
      throw new OperationOutcomeError(413, [
        {
          code: 'too-long',
          diagnostics: `One feedback request may carry at most ${String(this.perMinute)} items (FEEDBACK_ITEMS_PER_MINUTE); send them in smaller requests`,
        },
      ]);
    }
    const now = this.now();
    if (now - this.windowStart >= WINDOW_MS) {
      this.windowStart = now;
      this.counts.clear();
    }
    const used = this.counts.get(client) ?? 0;
    if (used + items > this.perMinute) {
      const retryAfter = Math.max(1, Math.ceil((this.windowStart + WINDOW_MS - now) / 1000));
      throw new OperationOutcomeError(
        429,
        [
          {
            code: 'throttled',
            diagnostics: `More than ${String(this.perMinute)} feedback items in a minute; please send them again later`,
          },
        ],
        { 'Retry-After': String(retryAfter) },
      );
    }
    this.counts.set(client, used + items);
  }
}

/** 413 when an override reason's `userComment` is longer than `maxChars`. */
export function checkCommentLength(items: readonly FeedbackItem[], maxChars: number): void {
  const index = items.findIndex(
    (item) => (item.overrideReason?.userComment?.length ?? 0) > maxChars,
  );
  if (index === -1) return;
  throw new OperationOutcomeError(413, [
    {
      code: 'too-long',
      diagnostics: `An override reason's userComment may hold at most ${String(maxChars)} characters (FEEDBACK_COMMENT_MAX_CHARS)`,
      expression: `feedback[${String(index)}].overrideReason.userComment`,
    },
  ]);
}
