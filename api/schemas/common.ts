/**
 * Schemas every route shares: ids, pagination, the problem+json body and the headers of
 * idempotency and preconditions. Examples live in `.meta()` so the OpenAPI document shows them.
 */
import { z } from 'zod';
import { GATE_CODES } from '../../machines/opportunity';

export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 25;

export const uuidExample = '0b9d6c8e-2f4a-4c61-9a57-3e1f0f6c2d11';

export const idParams = z.strictObject({ id: z.uuid().meta({ example: uuidExample }) });

/** `limit` is capped: asking for more than MAX_PAGE_SIZE is refused, not silently cut. */
export const pageQuery = {
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(DEFAULT_PAGE_SIZE).meta({ example: 25 }),
  cursor: z.string().min(1).max(500).optional().meta({ description: 'The `nextCursor` of the previous page' }),
};

export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable().meta({ example: null }) });

export const fieldErrorSchema = z.object({ field: z.string(), message: z.string() });

/** RFC 9457 problem details, with the fields at fault and, for a refused move, its unmet gates. */
export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.int(),
    detail: z.string(),
    code: z.string(),
    instance: z.string(),
    errors: z.array(fieldErrorSchema).optional(),
    unmetGates: z.array(z.enum(GATE_CODES as [string, ...string[]])).optional(),
    stage: z.string().optional(),
    currentVersion: z.int().optional(),
  })
  .meta({
    example: {
      type: 'https://opportunity-path.dev/problems/transition_refused',
      title: 'Conflict',
      status: 409,
      detail: 'Refused: unmet gates decision_owner, budget_signal',
      code: 'transition_refused',
      instance: '/v1/opportunities/0b9d6c8e-2f4a-4c61-9a57-3e1f0f6c2d11/events',
      stage: 'lead',
      unmetGates: ['decision_owner', 'budget_signal'],
    },
  });

export const IDEMPOTENCY_HEADER = 'idempotency-key';
export const idempotencyKeySchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces')
  .meta({ example: 'a4f1c7e2-create-acme' });

export const ifMatchSchema = z.string().regex(/^(\*|(W\/)?"\d+")$/, 'an ETag such as "3"').meta({ example: '"3"' });

export const isoDateTime = z.iso.datetime({ offset: true }).meta({ example: '2026-06-01T09:00:00Z' });
export const nullableIso = isoDateTime.nullable();
