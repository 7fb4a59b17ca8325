/**
 * Webhook subscriptions and their delivery log (NT1): the bodies an admin sends, the resources
 * the routes answer, and the one-line meaning of each event type. A subscription never shows its
 * secret: the secret is in the answer of its creation and of a rotation, and nowhere else.
 */
import { z } from 'zod';
import {
  DELIVERY_STATUSES,
  safeText,
  safeTextCheck,
  WEBHOOK_EVENT_TYPES,
  WEBHOOK_PAYLOAD_VERSION,
  type WebhookEventType,
} from '../../machines/opportunity';
import { documentSchema } from '../openapi/registry';
import { booleanQuery, isoDateTime, nullableIso, pageOf, pageQuery, uuidExample } from './common';

/** What each event type means, for people building receivers (`GET /v1/webhook-event-types`). */
export const WEBHOOK_EVENT_DESCRIPTIONS: Record<WebhookEventType, string> = {
  'deal.created': 'A deal was created (a new lead).',
  'deal.stage_changed': 'A deal moved from one stage to another (`stageBefore` to `stage`).',
  'deal.overdue': "A deal's next action passed its due time.",
  'deal.paused': 'A deal gained a reason that holds its follow-ups or proposal work (`pauseReasons`).',
  'deal.lost': 'A deal was marked lost (`lostReason`).',
  'deal.won': 'A deal was won; its handoff to delivery starts.',
  'deal.handed_off': 'A won deal was handed off to delivery.',
  'handoff.blocked': 'A handoff step is blocked (`blockers` names what it waits for).',
  'proposal.submitted': 'A proposal was submitted for approval.',
  'proposal.approved': 'A proposal was approved and may be sent.',
  'proposal.sent': 'A proposal was sent to the client.',
  'proposal.viewed': 'The client opened the proposal link.',
  'task.created': 'A task was created for a person or a queue.',
  'task.assigned': 'A task moved to another person or queue (`previousOwner`, `previousQueue`).',
  'task.overdue': 'An open task passed its due time.',
};

const eventTypeSchema = z.enum(WEBHOOK_EVENT_TYPES);

const eventTypesField = z
  .array(eventTypeSchema)
  .min(1)
  .max(WEBHOOK_EVENT_TYPES.length)
  .refine((types) => new Set(types).size === types.length, 'must not repeat an event type')
  .meta({ description: 'The event types it receives: at least one, each once', example: ['deal.won', 'task.created'] });

/**
 * One line of text at most 2,048 long; whether it is a URL a webhook may target (scheme, no
 * credentials, a public address or an allowed host) is decided by `checkWebhookUrl`, which names why.
 */
const urlField = z
  .string()
  .min(1)
  .max(2_048)
  .superRefine(safeTextCheck(false))
  .meta({
    description:
      'http or https, without credentials; a host resolving to a private, loopback or link-local address is refused ' +
      '(422 `webhook_url_refused`) unless WEBHOOK_ALLOWED_HOSTS names it',
    example: 'https://hooks.example.com/opportunity-path',
  });

const subscriptionFields = {
  name: safeText({ max: 200, trim: true }),
  url: urlField,
  eventTypes: eventTypesField,
  internal: z.boolean().meta({
    description: 'An internal subscription also receives client-internal text (the raw event under `data.internal`)',
  }),
  maxConcurrency: z.int().min(1).max(64).meta({ description: 'Deliveries in flight to this URL at most, 1 to 64' }),
  active: z.boolean().meta({ description: 'An inactive subscription gets no new deliveries and sends none' }),
};

export const createWebhookBody = documentSchema(
  'CreateWebhook',
  z
    .strictObject({
      name: subscriptionFields.name,
      url: subscriptionFields.url,
      eventTypes: subscriptionFields.eventTypes,
      internal: subscriptionFields.internal.default(false),
      maxConcurrency: subscriptionFields.maxConcurrency.default(4),
      active: subscriptionFields.active.default(true),
    })
    .meta({
      example: { name: 'CRM sync', url: 'https://hooks.example.com/opportunity-path', eventTypes: ['deal.won'] },
    }),
);

export const updateWebhookBody = documentSchema(
  'UpdateWebhook',
  z
    .strictObject({
      name: subscriptionFields.name.optional(),
      url: subscriptionFields.url.optional(),
      eventTypes: subscriptionFields.eventTypes.optional(),
      internal: subscriptionFields.internal.optional(),
      maxConcurrency: subscriptionFields.maxConcurrency.optional(),
      active: subscriptionFields.active
        .optional()
        .meta({ description: '`true` turns a disabled subscription on again and clears `disabledReason`' }),
    })
    .meta({ description: 'The fields to change; the others stay.', example: { active: true } }),
);

/** The body of a POST that needs nothing but its path (rotate a secret, redeliver). */
export const webhookActionBody = documentSchema(
  'WebhookActionBody',
  z.strictObject({}).meta({ description: 'No fields: an empty object, or no body' }),
);

export const listWebhooksQuery = z.strictObject({
  active: booleanQuery.optional().meta({ description: '`true` for active subscriptions only, `false` for inactive' }),
  ...pageQuery,
});

export const listDeliveriesQuery = z.strictObject({
  status: z.enum(DELIVERY_STATUSES).optional(),
  ...pageQuery,
});

const deliveryCountsSchema = z
  .object(Object.fromEntries(DELIVERY_STATUSES.map((s) => [s, z.int()])) as Record<string, z.ZodInt>)
  .meta({ description: 'Its deliveries by status', example: { pending: 0, succeeded: 12, failed: 1, skipped: 0 } });

export const webhookSchema = documentSchema(
  'Webhook',
  z.object({
    id: z.uuid(),
    name: z.string(),
    url: z.string(),
    eventTypes: z.array(eventTypeSchema),
    active: z.boolean(),
    internal: z.boolean(),
    maxConcurrency: z.int(),
    disabledReason: z
      .string()
      .nullable()
      .meta({ description: 'Why the system turned it off (its deliveries kept failing); null otherwise' }),
    disabledAt: nullableIso,
    secretRotatedUntil: nullableIso.meta({
      description: 'After a rotation, until when the previous secret still signs beside the new one; null otherwise',
    }),
    createdBy: z.object({ id: z.string(), name: z.string().nullable() }),
    createdAt: isoDateTime,
    updatedAt: isoDateTime,
    deliveries: deliveryCountsSchema,
  }),
);
export const webhookPageSchema = documentSchema('WebhookPage', pageOf(webhookSchema));

const secretField = z.string().meta({
  description:
    'The signing secret (`whsec_` and base64), shown in this answer only: store it now. Null in a replay of this ' +
    'answer (same Idempotency-Key).',
  example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
});

export const createdWebhookSchema = documentSchema(
  'CreatedWebhook',
  z.object({ subscription: webhookSchema, secret: secretField.nullable() }),
);

export const rotatedSecretSchema = documentSchema(
  'RotatedWebhookSecret',
  z.object({
    secret: secretField.nullable(),
    previousSecretValidUntil: isoDateTime.meta({
      description: 'Until then deliveries carry two signatures, one per secret (WEBHOOK_SECRET_OVERLAP_SECONDS)',
    }),
  }),
);

const deliveryShape = {
  id: z.uuid(),
  subscriptionId: z.uuid(),
  webhookId: z.string().meta({
    description: 'The `webhook-id` header of every attempt (the same on each retry)',
    example: `msg_${uuidExample}`,
  }),
  eventType: eventTypeSchema,
  dealId: z.uuid().nullable(),
  status: z.enum(DELIVERY_STATUSES),
  attempts: z.int(),
  lastStatusCode: z.int().nullable(),
  lastLatencyMs: z.int().nullable(),
  lastError: z.string().nullable(),
  nextAttemptAt: nullableIso.meta({ description: 'When the next retry is due, while one is' }),
  firstAttemptAt: nullableIso,
  completedAt: nullableIso,
  createdAt: isoDateTime,
};
export const deliverySchema = documentSchema('WebhookDelivery', z.object(deliveryShape));
export const deliveryPageSchema = documentSchema('WebhookDeliveryPage', pageOf(deliverySchema));

export const attemptSchema = documentSchema(
  'WebhookAttempt',
  z.object({
    attempt: z.int(),
    startedAt: isoDateTime,
    statusCode: z.int().nullable(),
    latencyMs: z.int(),
    error: z.string().nullable(),
    responseExcerpt: z.string().nullable().meta({ description: 'The first 256 characters of the response body' }),
    nextAttemptAt: nullableIso,
  }),
);

export const deliveryDetailSchema = documentSchema(
  'WebhookDeliveryDetail',
  z.object({
    ...deliveryShape,
    payloadVersion: z.literal(WEBHOOK_PAYLOAD_VERSION),
    occurredAt: isoDateTime.meta({ description: 'When what it tells of happened (the payload `timestamp`)' }),
    attemptLog: z.array(attemptSchema).meta({ description: 'Every attempt, first to last' }),
  }),
);

export const eventTypeCatalogueSchema = documentSchema(
  'WebhookEventTypes',
  z.object({
    payloadVersion: z.literal(WEBHOOK_PAYLOAD_VERSION),
    items: z.array(z.object({ type: eventTypeSchema, description: z.string() })),
  }),
);
