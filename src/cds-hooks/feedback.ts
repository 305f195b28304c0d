import { z } from 'zod';

/**
 * Feedback bodies of `POST {baseUrl}/cds-services/{id}/feedback` (CDS Hooks 2.0 §Feedback), with
 * the spec's invariants: `outcome` is accepted or overridden (cds-fb-1), `acceptedSuggestions`
 * is required with `accepted` (cds-fb-2) and an override reason holds a reason, a comment or both
 * (cds-fb-3); suggestions are only accepted and reasons only given for the matching outcome.
 * See {@link https://cds-hooks.hl7.org/2.0/#feedback | Feedback}.
 */

const coding = z.looseObject({
  system: z.string().min(1),
  code: z.string().min(1),
  display: z.string().optional(),
});

const feedbackItem = z
  .looseObject({
    // The card's uuid as this service issued it; not checked for UUID form, since clients echo ids verbatim.
    card: z.string().min(1).max(128),
    outcome: z.enum(['accepted', 'overridden']),
    acceptedSuggestions: z
      .array(z.looseObject({ id: z.string().min(1).max(128) }))
      .min(1)
      .optional(),
    overrideReason: z
      // userComment's length is bounded by FEEDBACK_COMMENT_MAX_CHARS (413 beyond it, in the route).
      .looseObject({ reason: coding.optional(), userComment: z.string().optional() })
      .refine((reason) => reason.reason !== undefined || reason.userComment !== undefined, {
        message: 'an overrideReason needs a reason, a userComment or both',
      })
      .optional(),
    outcomeTimestamp: z.iso.datetime({ offset: true }),
  })
  .refine((item) => item.outcome !== 'accepted' || item.acceptedSuggestions !== undefined, {
    message: 'acceptedSuggestions is required when the outcome is accepted',
    path: ['acceptedSuggestions'],
  })
  .refine((item) => item.outcome === 'accepted' || item.acceptedSuggestions === undefined, {
    message: 'acceptedSuggestions is only allowed when the outcome is accepted',
    path: ['acceptedSuggestions'],
  })
  .refine((item) => item.outcome === 'overridden' || item.overrideReason === undefined, {
    message: 'overrideReason is only allowed when the outcome is overridden',
    path: ['overrideReason'],
  });

export const feedbackRequestSchema = z.looseObject({
  feedback: z.array(feedbackItem).min(1).max(1000),
});

export type FeedbackItem = z.infer<typeof feedbackItem>;
