/**
 * Request bodies of `POST /v1/opportunities/:id/events`: one per machine event, built from
 * the machine's own zod schemas without `actor` and `at` (the API sets them from the token
 * and the clock) and with the event's optional `attachments`. Strict: an unknown or
 * protected field is refused by name.
 */
import { z } from 'zod';
import { eventSchemas, INDIRECT_EVENTS, type EventType } from '../../machines/opportunity';
import {
  CLIENT_ATTACHMENTS,
  REQUIRED_ATTACHMENTS,
  type ClientAttachmentType,
} from '../../machines/opportunity/attachments';
import { isoDateTime, nullableIso } from './common';

const dealEventSchema = eventSchemas().dealEvent;

type EventObject = (typeof dealEventSchema.options)[number];
const typeOf = (schema: EventObject): EventType => schema.shape.type.value;

function requestBodyFor(schema: EventObject) {
  const { actor: _actor, at: _at, ...shape } = schema.shape as Record<string, z.ZodType>;
  const type = typeOf(schema) as ClientAttachmentType;
  const attachments = (CLIENT_ATTACHMENTS as Record<string, z.ZodType>)[type];
  if (!attachments) return z.strictObject(shape);
  const required = REQUIRED_ATTACHMENTS.includes(type);
  return z.strictObject({ ...shape, attachments: required ? attachments : attachments.optional() });
}

/** The events a caller may send. */
const callerEvents = dealEventSchema.options.filter((s) => !(INDIRECT_EVENTS as readonly string[]).includes(typeOf(s)));

export const eventRequestSchema = z
  .discriminatedUnion('type', callerEvents.map(requestBodyFor) as unknown as [z.ZodObject, ...z.ZodObject[]])
  .meta({
    description: 'One machine event without `actor` and `at`, plus its attachments.',
    examples: [
      { type: 'RECORD_QUALIFICATION', facts: { source: 'Referral', decision_owner: 'COO Dana' } },
      {
        type: 'QUALIFY',
        nextAction: { description: 'Book discovery call', dueAt: '2026-06-01T09:00:00Z', ownerId: 'rep-1' },
      },
    ],
  });
export type EventRequest = z.infer<typeof eventRequestSchema> & {
  type: EventType;
  attachments?: Record<string, unknown>;
};

/** One entry of a deal's event timeline (E1). */
export const timelineEntrySchema = z.object({
  position: z.int().meta({
    description:
      "This row's place in the deal's log: 1, 2, 3… unique and without gaps, the workflow's own notes included",
  }),
  version: z.int().meta({
    description:
      "The deal's state version after this row (the ETag); a system note shares the version of the event before it",
  }),
  type: z.string().meta({ example: 'QUALIFY' }),
  stageBefore: z.string().nullable(),
  stageAfter: z.string(),
  actorId: z.string(),
  ownerId: z.string(),
  occurredAt: isoDateTime,
  recordedAt: isoDateTime,
  nextAction: z.object({ description: z.string(), dueAt: nullableIso, ownerId: z.string() }).nullable(),
  payload: z.record(z.string(), z.unknown()),
  changes: z.array(z.object({ field: z.string(), before: z.unknown(), after: z.unknown() })).meta({
    description:
      'The fields the event changed (OW1), before and after: `ownerId` (REASSIGN) and the deal’s own fields ' +
      '(`title`, `company`, `contact`, `value`, `expectedCloseDate`, `probability`; UPDATE_DEAL). Empty when it changed none.',
    example: [{ field: 'probability', before: null, after: 40 }],
  }),
});
