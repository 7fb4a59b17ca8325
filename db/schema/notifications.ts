import { sql } from 'drizzle-orm';
import {
  bigserial,
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  text,
  unique,
  uuid,
} from 'drizzle-orm/pg-core';
import {
  DELIVERY_STATUSES,
  EMAIL_KINDS,
  EMAIL_PREFERENCES,
  WEBHOOK_EVENT_TYPES,
} from '../../machines/opportunity/notifications';
import { users } from './auth';
import { createdAt, id, ref, tz, updatedAt } from './columns';
import { opportunities } from './opportunities';
import { tasks } from './tasks';

export const webhookEventTypeEnum = pgEnum('webhook_event_type', WEBHOOK_EVENT_TYPES);
export const deliveryStatusEnum = pgEnum('delivery_status', DELIVERY_STATUSES);
export const emailPreferenceEnum = pgEnum('email_preference', EMAIL_PREFERENCES);
export const emailKindEnum = pgEnum('email_kind', EMAIL_KINDS);

/**
 * NT1: one row per thing that happened and that someone may be told of, written by triggers in
 * the transaction of the write it describes (so no path forgets one and none is written twice).
 * `data` is what the payload needs, captured at that moment; append-only. Its `id` is the
 * `webhook-id` every delivery of it carries (`msg_<id>`), on every retry.
 */
export const notificationEvents = pgTable(
  'notification_events',
  {
    id: id(),
    seq: bigserial('seq', { mode: 'number' }).notNull().unique(),
    type: webhookEventTypeEnum('type').notNull(),
    opportunityId: ref(() => opportunities.id, 'opportunity_id'),
    taskId: ref(() => tasks.id, 'task_id'),
    /** The person whose write it was, when a person's (`system` for the workflow's own). */
    actorId: text('actor_id'),
    data: jsonb('data').$type<Record<string, unknown>>().notNull(),
    occurredAt: tz('occurred_at').notNull().defaultNow(),
  },
  (t) => [index('notification_events_opportunity_idx').on(t.opportunityId, t.occurredAt)],
);
export type NotificationEventRow = typeof notificationEvents.$inferSelect;

/**
 * An admin's webhook endpoint. The signing secret is stored encrypted (it must be read back to
 * sign); after a rotation the previous one stays valid until `previous_secret_expires_at`.
 * `internal` subscriptions may receive client-internal text (K1); others never do.
 */
export const webhookSubscriptions = pgTable(
  'webhook_subscriptions',
  {
    id: id(),
    name: text('name').notNull(),
    url: text('url').notNull(),
    eventTypes: webhookEventTypeEnum('event_types').array().notNull(),
    active: boolean('active').notNull().default(true),
    internal: boolean('internal').notNull().default(false),
    maxConcurrency: integer('max_concurrency').notNull().default(4),
    secretEncrypted: text('secret_encrypted').notNull(),
    previousSecretEncrypted: text('previous_secret_encrypted'),
    previousSecretExpiresAt: tz('previous_secret_expires_at'),
    /** Why the system turned it off (deliveries kept failing); cleared when an admin turns it on again. */
    disabledReason: text('disabled_reason'),
    disabledAt: tz('disabled_at'),
    createdBy: text('created_by').notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    check('webhook_subscriptions_concurrency_check', sql`${t.maxConcurrency} BETWEEN 1 AND 64`),
    check('webhook_subscriptions_disabled_check', sql`${t.disabledReason} IS NULL OR NOT ${t.active}`),
  ],
);
export type WebhookSubscriptionRow = typeof webhookSubscriptions.$inferSelect;

/** One notification to one subscription: at least once, always with the same `webhook-id`. */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: id(),
    subscriptionId: uuid('subscription_id')
      .notNull()
      .references(() => webhookSubscriptions.id, { onDelete: 'cascade' }),
    notificationId: uuid('notification_id')
      .notNull()
      .references(() => notificationEvents.id),
    status: deliveryStatusEnum('status').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    lastStatusCode: integer('last_status_code'),
    lastLatencyMs: integer('last_latency_ms'),
    lastError: text('last_error'),
    nextAttemptAt: tz('next_attempt_at'),
    firstAttemptAt: tz('first_attempt_at'),
    completedAt: tz('completed_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    unique('webhook_deliveries_once').on(t.subscriptionId, t.notificationId),
    index('webhook_deliveries_pending_idx').on(t.subscriptionId, t.status, t.createdAt),
  ],
);
export type WebhookDeliveryRow = typeof webhookDeliveries.$inferSelect;

/** Every attempt of a delivery, append-only: the response is kept only as a short excerpt. */
export const webhookAttempts = pgTable(
  'webhook_attempts',
  {
    id: id(),
    deliveryId: uuid('delivery_id')
      .notNull()
      .references(() => webhookDeliveries.id, { onDelete: 'cascade' }),
    attempt: integer('attempt').notNull(),
    startedAt: tz('started_at').notNull(),
    statusCode: integer('status_code'),
    latencyMs: integer('latency_ms').notNull(),
    error: text('error'),
    responseExcerpt: text('response_excerpt'),
    nextAttemptAt: tz('next_attempt_at'),
  },
  (t) => [unique('webhook_attempts_once').on(t.deliveryId, t.attempt)],
);
export type WebhookAttemptRow = typeof webhookAttempts.$inferSelect;

/** How each person wants their email (NT1); a person without a row gets `immediate`. */
export const notificationPreferences = pgTable('notification_preferences', {
  userId: uuid('user_id')
    .primaryKey()
    .references(() => users.id),
  email: emailPreferenceEnum('email').notNull().default('immediate'),
  updatedAt: updatedAt(),
});

/**
 * An email to one person: at once for a notification (written by the triggers for people whose
 * preference is `immediate`), or their daily digest (one per person and day). Internal only:
 * the recipient is always a user of the agency, never a client.
 */
export const emailMessages = pgTable(
  'email_messages',
  {
    id: id(),
    kind: emailKindEnum('kind').notNull(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    notificationId: uuid('notification_id').references(() => notificationEvents.id),
    digestDate: text('digest_date'),
    status: deliveryStatusEnum('status').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    sentAt: tz('sent_at'),
    createdAt: createdAt(),
  },
  (t) => [
    unique('email_messages_notification_once').on(t.notificationId, t.userId),
    unique('email_messages_digest_once').on(t.userId, t.digestDate),
    index('email_messages_pending_idx').on(t.status, t.createdAt),
    check(
      'email_messages_kind_check',
      sql`(${t.kind} = 'immediate' AND ${t.notificationId} IS NOT NULL) OR (${t.kind} = 'digest' AND ${t.digestDate} IS NOT NULL)`,
    ),
  ],
);
export type EmailMessageRow = typeof emailMessages.$inferSelect;
