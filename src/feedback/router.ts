import { Router } from 'express';
import { ipKeyGenerator } from 'express-rate-limit';
import type { Request, Response } from 'express';
import { feedbackRequestSchema } from '../cds-hooks/feedback.js';
import { findService } from '../cds-hooks/service.js';
import type { CdsService } from '../cds-hooks/service.js';
import { jsonBody, parseOr400 } from '../cds-hooks/validation.js';
import { OperationOutcomeError } from '../fhir/operation-outcome.js';
import { callingClient } from '../http/auth/client-auth.js';
import { methodNotAllowed } from '../http/errors.js';
import { logValue } from '../http/log-values.js';
import type { Config } from '../main/config.js';
import type { Logger } from '../main/logger.js';
import { FeedbackItemLimit, checkCommentLength } from './limits.js';
import type { FeedbackRecorder } from './recorder.js';
import type { FeedbackReceipt } from './store.js';

/**
 * `POST /cds-services/{id}/feedback`
 * ({@link https://cds-hooks.hl7.org/2.0/#feedback | CDS Hooks 2.0 Feedback}): each item is stored
 * before the 200, so nothing acknowledged is lost; a store that is not open answers 503 with
 * `Retry-After`, and the client sends it again (an item sent twice is stored once).
 */

export interface FeedbackRouterOptions {
  config: Config;
  registry: ReadonlyMap<string, CdsService>;
  logger: Logger;
  now: () => Date;
  recorder: FeedbackRecorder;
}

export function feedbackRouter({
  config,
  registry,
  logger,
  now,
  recorder,
}: FeedbackRouterOptions): Router {
  // Bounded feedback (issue 14, item 5): items per minute per client, and comment length.
  const feedbackItems = new FeedbackItemLimit(config.feedback.itemsPerMinute, () =>
    now().getTime(),
  );
  const router = Router();
  router
    .route('/cds-services/:id/feedback')
    .post(async (req: Request, res: Response) => {
      const service = findService(registry, String(req.params.id));
      const { feedback } = parseOr400(feedbackRequestSchema, jsonBody(req));
      checkCommentLength(feedback, config.feedback.commentMaxChars);
      const client = callingClient(res)?.iss ?? ipKeyGenerator(req.ip ?? 'unknown');
      try {
        feedbackItems.admit(client, feedback.length);
      } catch (error) {
        logger.warn(
          { serviceId: service.id, items: feedback.length, client: logValue(client) },
          'feedback refused: over FEEDBACK_ITEMS_PER_MINUTE',
        );
        throw error;
      }
      // Cards shown a moment ago are written first: feedback must find the card it is about.
      await recorder.flush();
      const store = recorder.access?.current();
      if (recorder.access && !store) {
        logger.warn(
          { serviceId: service.id, items: feedback.length },
          'feedback refused: the feedback store is not open',
        );
        throw new OperationOutcomeError(
          503,
          [
            {
              code: 'transient',
              diagnostics:
                'The feedback store is unavailable; please send the feedback again later',
            },
          ],
          { 'Retry-After': String(recorder.access.retryAfterSeconds()) },
        );
      }
      let receipt: FeedbackReceipt | undefined;
      try {
        receipt = await store?.recordFeedback(service.id, feedback, callingClient(res)?.iss, now());
      } catch (error) {
        recorder.failed(error, 'feedback');
        // The client may send it again: duplicates are stored once.
        throw new OperationOutcomeError(
          503,
          [
            {
              code: 'transient',
              diagnostics: 'Feedback could not be stored; please send it again later',
            },
          ],
          { 'Retry-After': String(recorder.access?.retryAfterSeconds() ?? 5) },
        );
      }
      logger.info(
        {
          serviceId: service.id,
          ...(receipt ?? {}),
          accepted: feedback.filter((item) => item.outcome === 'accepted').length,
          overridden: feedback.filter((item) => item.outcome === 'overridden').length,
          overrideReasons: feedback.flatMap((item) =>
            item.overrideReason?.reason ? [logValue(item.overrideReason.reason.code)] : [],
          ),
        },
        'feedback',
      );
      res.status(200).end();
    })
    .all(methodNotAllowed('POST'));

  return router;
}
