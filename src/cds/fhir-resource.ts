import type { FhirResource } from 'fhir/r4.js';
import { z } from 'zod';

/**
 * FHIR resources as received from a CDS client (prefetch, draft orders) or a FHIR server. Only
 * what this layer reads is checked: `resourceType` everywhere, plus the structure of Bundles
 * (entries, paging links) and OperationOutcomes (issues). The data layer reads the rest defensively.
 */

const anyResource = z.looseObject({
  resourceType: z.string().regex(/^[A-Z][A-Za-z]+$/, 'expected a FHIR resource type'),
});

const operationOutcome = z.looseObject({
  resourceType: z.literal('OperationOutcome'),
  issue: z.array(z.looseObject({ severity: z.string().optional() })).min(1),
});

/** A resource whose structure is checked by `shapeOf` when it has one. */
function checked(shapeOf: (resourceType: string) => z.ZodType | undefined): typeof anyResource {
  return anyResource.superRefine((resource, ctx) => {
    for (const issue of shapeOf(resource.resourceType)?.safeParse(resource).error?.issues ?? []) {
      ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
    }
  });
}

const entryResource = checked((type) =>
  type === 'OperationOutcome' ? operationOutcome : undefined,
);

const bundle = z.looseObject({
  resourceType: z.literal('Bundle'),
  entry: z.array(z.looseObject({ resource: entryResource.optional() })).optional(),
  link: z.array(z.looseObject({ relation: z.string(), url: z.string() })).optional(),
});

export const fhirResourceSchema = checked((type) =>
  type === 'Bundle' ? bundle : type === 'OperationOutcome' ? operationOutcome : undefined,
).transform((resource) => resource as FhirResource);

/** An OperationOutcome reporting a failure; an issue without a severity counts as one. */
export function isErrorOutcome(resource: FhirResource): boolean {
  return (
    resource.resourceType === 'OperationOutcome' &&
    resource.issue.some((issue) => issue.severity !== 'warning' && issue.severity !== 'information')
  );
}
