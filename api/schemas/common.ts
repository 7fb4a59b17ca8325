/**
 * Schemas every route shares: ids, pagination, the problem+json body and the headers of
 * idempotency and preconditions. Examples live in `.meta()` so the OpenAPI document shows them.
 *
 * Every string a request brings goes through the machine's one text primitive (`safeText`,
 * `text`, `line`), and every date through its range-checked schemas: what passes here is what
 * Postgres can store and a person could mean (no NUL, no lone surrogates, years 1900-2200).
 */
import { z } from 'zod';
import { DATE_YEAR_MAX, DATE_YEAR_MIN, eventSchemas, GATE_CODES, line, STAGES } from '../../machines/opportunity';

const MAX_PAGE_SIZE = 100;
const DEFAULT_PAGE_SIZE = 25;

export const uuidExample = '0b9d6c8e-2f4a-4c61-9a57-3e1f0f6c2d11';

export const idParams = z.strictObject({ id: z.uuid().meta({ example: uuidExample }) });

/**
 * A whole number in a query string: plain decimal digits only (`0x10`, `1e2`, ` 5` or `5.0`
 * are refused, not coerced), at most `max`.
 */
const countQuery = (min: number, max: number) =>
  z
    .string()
    .regex(/^[0-9]{1,9}$/, 'must be a whole number written in decimal digits')
    .transform(Number)
    .pipe(z.int().min(min).max(max));

/** `limit` is capped: asking for more than MAX_PAGE_SIZE is refused, not silently cut. */
export const pageQuery = {
  limit: countQuery(1, MAX_PAGE_SIZE)
    .default(DEFAULT_PAGE_SIZE)
    .meta({ description: `Page size, 1 to ${MAX_PAGE_SIZE} in decimal digits`, example: '25' }),
  cursor: line(500).optional().meta({ description: 'The `nextCursor` of the previous page' }),
};

/** A yes/no filter in a query string: exactly `true` or `false`. */
export const booleanQuery = z.enum(['true', 'false']).transform((v) => v === 'true');

/** A filter on an owner's id (a user id, or the id a caller gave as a next action's owner). */
export const ownerIdField = line(200);

/** A row a list left out because it cannot be shown (one bad row never fails a list). */
/** The fields that name a deal in every listing of it (an opportunity, a stuck deal). */
export const dealHeadingShape = {
  id: z.uuid(),
  title: z.string(),
  company: z.string(),
  stage: z.enum(STAGES),
  ownerId: z.string(),
};

export const skippedRowSchema = z.object({
  id: z.string().meta({ description: 'The id of the row (for the timeline: its position)' }),
  reason: z.string().meta({ example: 'cannot show nextActionDueAt' }),
});

export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({
    items: z.array(item),
    nextCursor: z.string().nullable().meta({ example: null }),
    skipped: z
      .array(skippedRowSchema)
      .optional()
      .meta({
        description:
          'Present only when rows of this page were left out of `items` because a stored value cannot be shown ' +
          '(e.g. a timestamp outside the range the API can render). Each is logged for ops; an opportunity can still be read alone, ' +
          'where such fields read as null and are named in `unreadable`.',
      }),
  });

const fieldErrorSchema = z.object({ field: z.string(), message: z.string() });

/** RFC 9457 problem details, with the fields at fault and, for a refused move, its unmet gates. */
export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.int(),
    detail: z.string(),
    code: z.string(),
    instance: z.string(),
    requestId: z.string().meta({
      description:
        'The id of this request, as in the `X-Request-Id` response header (the caller’s own when it sent a safe one): quote it when reporting a problem',
    }),
    errors: z.array(fieldErrorSchema).optional(),
    unmetGates: z
      .array(z.enum(GATE_CODES as [string, ...string[]]))
      .optional()
      .meta({
        description:
          'A refused move: every gate it fails, `stage` first when the event is not valid in the deal’s stage. ' +
          '`GET /v1/gates` lists every code with its requirement, the moves it guards, what satisfies it and what records it.',
      }),
    stage: z.string().optional(),
    currentVersion: z.int().optional(),
    candidates: z
      .array(z.object({ id: z.uuid(), name: z.string(), domain: z.string().nullable() }))
      .optional()
      .meta({
        description:
          "`client_ambiguous` (409): the existing clients a handoff client's name or domain matches; send RECORD_HANDOFF_CLIENT again with the `clientId` of one",
      }),
  })
  .meta({
    example: {
      type: 'https://opportunity-path.dev/problems/transition_refused',
      title: 'Conflict',
      status: 409,
      detail: 'Refused: unmet gates decision_owner, budget_signal',
      code: 'transition_refused',
      instance: '/v1/opportunities/0b9d6c8e-2f4a-4c61-9a57-3e1f0f6c2d11/events',
      requestId: '5f0c2a9e-7b1d-4e8a-9c3f-2d6b8a1e4f70',
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

export const ifMatchSchema = z
  .string()
  .regex(/^(\*|(W\/)?"\d+")$/, 'an ETag such as "3"')
  .meta({ example: '"3"' });

const DATE_RANGE = `Years ${DATE_YEAR_MIN} to ${DATE_YEAR_MAX} (UTC).`;
export const isoDateTime = eventSchemas().isoDateTime.meta({
  description: `An RFC 3339 date-time with offset. ${DATE_RANGE}`,
  example: '2026-06-01T09:00:00Z',
});
export const isoDate = eventSchemas().isoDate.meta({
  description: `An ISO date. ${DATE_RANGE}`,
  example: '2026-06-01',
});
export const nullableIso = isoDateTime.nullable();
