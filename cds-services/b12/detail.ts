/**
 * A card's detail as a clinician reads it in seconds (RULES.md 10.9.4): the evidence line, the
 * action, then at most four short bullets — safety, cause, pregnancy or age, follow-up — within
 * a length a clinician takes in at a glance.
 */

/** Characters of the detail apart from the evidence line and the data notes (RULES.md 10.9.4). */
export const MAX_DETAIL_LENGTH = 700;

const MAX_BULLETS = 4;

type Line = string | false | undefined;

export interface DetailParts {
  /** The "Evidence:" line. */
  evidence: string;
  /** What the recommended suggestion does: the regimen it orders, or the test. */
  action?: Line;
  /** Bullets in the rule book's priority: safety first (R-FOLATE, platelets, R-K). */
  safety?: readonly Line[];
  /** The cause, in one line. */
  cause?: Line;
  /** Pregnancy or age. */
  patient?: Line;
  followUp?: Line;
}

const present = (lines: readonly Line[]): string[] =>
  lines.filter((line): line is string => typeof line === 'string' && line !== '');

/** The length that counts against {@link MAX_DETAIL_LENGTH}: all but the evidence line. */
export const detailLength = (paragraphs: readonly string[]): number =>
  paragraphs.slice(1).join('\n\n').length;

/**
 * The detail's Markdown paragraphs. Bullets are taken in priority order while they fit: when a
 * card has more to say than fits, the least urgent line gives way (R-K, say, which the severe
 * anaemia card of the same response also carries).
 */
export function detailOf(parts: DetailParts): string[] {
  const head = present([parts.evidence, parts.action]);
  const bullets: string[] = [];
  for (const line of present([
    ...(parts.safety ?? []),
    parts.cause,
    parts.patient,
    parts.followUp,
  ])) {
    if (bullets.length === MAX_BULLETS) break;
    const candidate = [...bullets, `- ${line}`];
    if (detailLength([...head, candidate.join('\n')]) < MAX_DETAIL_LENGTH)
      bullets.push(`- ${line}`);
  }
  return bullets.length > 0 ? [...head, bullets.join('\n')] : head;
}
