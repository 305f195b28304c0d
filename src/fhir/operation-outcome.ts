import type { OperationOutcome, OperationOutcomeIssue } from 'fhir/r4.js';

/**
 * FHIR OperationOutcome error bodies for every non-2xx answer, as the CDS Hooks 3.0 ballot
 * recommends ("Returning OperationOutcome"); 2.0 leaves the body open.
 */
export type IssueCode = OperationOutcomeIssue['code'];

export interface Issue {
  code: IssueCode;
  diagnostics: string;
  /** Where in the request the problem is, e.g. `context.patientId` or `prefetch.labs`. */
  expression?: string;
  severity?: OperationOutcomeIssue['severity'];
}

export function operationOutcome(issues: readonly Issue[]): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: issues.map(({ code, diagnostics, expression, severity = 'error' }) => ({
      severity,
      code,
      diagnostics,
      ...(expression === undefined ? {} : { expression: [expression] }),
    })),
  };
}

/** Thrown anywhere in request handling; the error handler renders it with its status. */
export class OperationOutcomeError extends Error {
  override name = 'OperationOutcomeError';

  constructor(
    readonly status: number,
    readonly issues: readonly Issue[],
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(issues.map((issue) => issue.diagnostics).join('; '));
  }

  get outcome(): OperationOutcome {
    return operationOutcome(this.issues);
  }
}

export const badRequest = (diagnostics: string, expression?: string): OperationOutcomeError =>
  new OperationOutcomeError(400, [{ code: 'invalid', diagnostics, expression }]);

export const notFound = (diagnostics: string): OperationOutcomeError =>
  new OperationOutcomeError(404, [{ code: 'not-found', diagnostics }]);
