/**
 * Webhook subscriptions as admins manage them, and their delivery log (NT1). Reads never select
 * a secret column; the secrets are written sealed by the caller (the API holds the key).
 * Delivering is the dispatcher's (db/queries/outbox.ts); here a delivery is only read or set
 * back to pending for a redelivery, which the delivery trigger announces to the dispatcher.
 */
import { asc, eq, sql } from 'drizzle-orm';
import type { DeliveryStatus, WebhookEventType } from '../../machines/opportunity/notifications';
import type { Db } from '../client';
import {
  notificationEvents,
  users,
  webhookAttempts,
  webhookDeliveries,
  webhookSubscriptions,
  type WebhookAttemptRow,
  type WebhookDeliveryRow,
} from '../schema';
import { filterColumns } from './list-filters';
import { inTransaction, keysetQuery, prepared, readPage, type Keyset, type Page, type PageRequest } from './support';

/** What a subscription shows: never a secret; who made it by name; its deliveries counted by status. */
const subscriptionView = {
  id: webhookSubscriptions.id,
  name: webhookSubscriptions.name,
  url: webhookSubscriptions.url,
  eventTypes: webhookSubscriptions.eventTypes,
  active: webhookSubscriptions.active,
  internal: webhookSubscriptions.internal,
  maxConcurrency: webhookSubscriptions.maxConcurrency,
  disabledReason: webhookSubscriptions.disabledReason,
  disabledAt: webhookSubscriptions.disabledAt,
  previousSecretExpiresAt: webhookSubscriptions.previousSecretExpiresAt,
  createdBy: webhookSubscriptions.createdBy,
  createdByName: users.name,
  createdAt: webhookSubscriptions.createdAt,
  updatedAt: webhookSubscriptions.updatedAt,
  deliveryCounts: sql<Partial<Record<DeliveryStatus, number>>>`coalesce((
    SELECT jsonb_object_agg(counted.status, counted.n)
    FROM (SELECT d.status, count(*)::int AS n FROM ${webhookDeliveries} d
          WHERE d.subscription_id = ${webhookSubscriptions.id} GROUP BY d.status) counted), '{}'::jsonb)`,
};
export interface SubscriptionView {
  id: string;
  name: string;
  url: string;
  eventTypes: WebhookEventType[];
  active: boolean;
  internal: boolean;
  maxConcurrency: number;
  disabledReason: string | null;
  disabledAt: Date | null;
  previousSecretExpiresAt: Date | null;
  createdBy: string;
  createdByName: string | null;
  createdAt: Date;
  updatedAt: Date;
  deliveryCounts: Partial<Record<DeliveryStatus, number>>;
}

const subscriptionRows = (db: Db) =>
  db
    .select(subscriptionView)
    .from(webhookSubscriptions)
    .leftJoin(users, sql`${users.id}::text = ${webhookSubscriptions.createdBy}`)
    .$dynamic();

export async function getSubscription(db: Db, id: string): Promise<SubscriptionView | null> {
  const statement = prepared(db, 'webhook_subscription_by_id', (d) =>
    subscriptionRows(d).where(eq(webhookSubscriptions.id, sql.placeholder('id'))),
  );
  const [row] = await statement.execute({ id });
  return row ?? null;
}

const subscriptionList = {
  filters: filterColumns(webhookSubscriptions, 'active'),
  order: [webhookSubscriptions.id],
} satisfies Keyset;

/** Subscriptions in id order with an opaque keyset cursor, optionally only (in)active ones. */
export function listSubscriptions(db: Db, filter: PageRequest & { active?: boolean }): Promise<Page<SubscriptionView>> {
  const statement = prepared(db, 'webhook_subscriptions_list', (d) =>
    keysetQuery(subscriptionRows(d), subscriptionList),
  );
  return readPage(statement, subscriptionList, filter);
}

export interface NewSubscription {
  name: string;
  url: string;
  eventTypes: WebhookEventType[];
  internal: boolean;
  maxConcurrency: number;
  active: boolean;
  /** The secret as `SecretBox.seal` made it. */
  secretEncrypted: string;
  createdBy: string;
}

/** Creates a subscription; returns its id. */
export async function createSubscription(db: Db, subscription: NewSubscription): Promise<string> {
  const [row] = await db.insert(webhookSubscriptions).values(subscription).returning({ id: webhookSubscriptions.id });
  return row.id;
}

export type SubscriptionChange = Partial<
  Pick<NewSubscription, 'name' | 'url' | 'eventTypes' | 'internal' | 'maxConcurrency' | 'active'>
>;

/**
 * Changes the given fields; returns whether the subscription exists. Turning it on clears why
 * the system had turned it off (the subscription trigger then announces its pending deliveries).
 */
export async function updateSubscription(db: Db, id: string, change: SubscriptionChange): Promise<boolean> {
  const defined = Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined));
  const reenabled = change.active === true ? { disabledReason: null, disabledAt: null } : {};
  const rows = await db
    .update(webhookSubscriptions)
    .set({ ...defined, ...reenabled, updatedAt: sql`now()` })
    .where(eq(webhookSubscriptions.id, id))
    .returning({ id: webhookSubscriptions.id });
  return rows.length > 0;
}

/** Deletes a subscription with its deliveries and their attempts (cascade); returns whether it existed. */
export async function deleteSubscription(db: Db, id: string): Promise<boolean> {
  const rows = await db
    .delete(webhookSubscriptions)
    .where(eq(webhookSubscriptions.id, id))
    .returning({ id: webhookSubscriptions.id });
  return rows.length > 0;
}

/**
 * A new secret signs from now on; the current one becomes the previous one and keeps signing for
 * `overlapSeconds` (a previous one still in its overlap is dropped). Null when there is no such
 * subscription; else when the previous secret stops signing.
 */
export async function rotateSubscriptionSecret(
  db: Db,
  id: string,
  secretEncrypted: string,
  overlapSeconds: number,
): Promise<Date | null> {
  const [row] = await db
    .update(webhookSubscriptions)
    .set({
      // Postgres reads the right-hand sides from the row before the update: the previous secret is the current one.
      previousSecretEncrypted: sql`${webhookSubscriptions.secretEncrypted}`,
      previousSecretExpiresAt: sql`now() + make_interval(secs => ${overlapSeconds}::int)`,
      secretEncrypted,
      updatedAt: sql`now()`,
    })
    .where(eq(webhookSubscriptions.id, id))
    .returning({ until: webhookSubscriptions.previousSecretExpiresAt });
  return row ? row.until : null;
}

/** A delivery as the log shows it: what it tells (type, deal) and where it stands. */
const deliveryView = {
  id: webhookDeliveries.id,
  subscriptionId: webhookDeliveries.subscriptionId,
  notificationId: webhookDeliveries.notificationId,
  eventType: notificationEvents.type,
  dealId: notificationEvents.opportunityId,
  occurredAt: notificationEvents.occurredAt,
  status: webhookDeliveries.status,
  attempts: webhookDeliveries.attempts,
  lastStatusCode: webhookDeliveries.lastStatusCode,
  lastLatencyMs: webhookDeliveries.lastLatencyMs,
  lastError: webhookDeliveries.lastError,
  nextAttemptAt: webhookDeliveries.nextAttemptAt,
  firstAttemptAt: webhookDeliveries.firstAttemptAt,
  completedAt: webhookDeliveries.completedAt,
  createdAt: webhookDeliveries.createdAt,
};
export type DeliveryView = Omit<WebhookDeliveryRow, 'updatedAt'> & {
  eventType: WebhookEventType;
  dealId: string | null;
  occurredAt: Date;
};

const deliveryRows = (db: Db) =>
  db
    .select(deliveryView)
    .from(webhookDeliveries)
    .innerJoin(notificationEvents, eq(notificationEvents.id, webhookDeliveries.notificationId))
    .$dynamic();

const deliveryList = {
  filters: filterColumns(webhookDeliveries, 'subscriptionId', 'status'),
  order: [webhookDeliveries.createdAt, webhookDeliveries.id],
  descending: true,
} satisfies Keyset;

/** One subscription's deliveries, newest first, optionally of one status. */
export function listDeliveries(
  db: Db,
  filter: PageRequest & { subscriptionId: string; status?: DeliveryStatus },
): Promise<Page<DeliveryView>> {
  const statement = prepared(db, 'webhook_deliveries_list', (d) => keysetQuery(deliveryRows(d), deliveryList));
  return readPage(statement, deliveryList, filter);
}

export async function getDelivery(db: Db, id: string): Promise<DeliveryView | null> {
  const statement = prepared(db, 'webhook_delivery_by_id', (d) =>
    deliveryRows(d).where(eq(webhookDeliveries.id, sql.placeholder('id'))),
  );
  const [row] = await statement.execute({ id });
  return row ?? null;
}

/** Every attempt of a delivery, first to last. */
export function deliveryAttempts(db: Db, deliveryId: string): Promise<WebhookAttemptRow[]> {
  return db
    .select()
    .from(webhookAttempts)
    .where(eq(webhookAttempts.deliveryId, deliveryId))
    .orderBy(asc(webhookAttempts.attempt));
}

/** Why a redelivery is refused: no such delivery, one still pending, or its subscription turned off. */
export type Redelivery = { delivery: DeliveryView } | { refused: 'not_found' | 'pending' | 'inactive' };

/**
 * Sets a finished delivery back to pending (the same notification, so the same `webhook-id`):
 * no retry due, not completed. Its attempts and their count stay, so the next attempt numbers on
 * from the last one. The delivery and its subscription are locked, so a concurrent redelivery or
 * deactivation sees the outcome of this one.
 */
export async function redeliver(db: Db, id: string): Promise<Redelivery> {
  const refused = await inTransaction(db, async (tx) => {
    const [row] = await tx
      .select({ status: webhookDeliveries.status, active: webhookSubscriptions.active })
      .from(webhookDeliveries)
      .innerJoin(webhookSubscriptions, eq(webhookSubscriptions.id, webhookDeliveries.subscriptionId))
      .where(eq(webhookDeliveries.id, id))
      .for('update');
    if (!row) return 'not_found';
    if (row.status === 'pending') return 'pending';
    if (!row.active) return 'inactive';
    await tx
      .update(webhookDeliveries)
      .set({ status: 'pending', nextAttemptAt: null, completedAt: null, updatedAt: sql`now()` })
      .where(eq(webhookDeliveries.id, id));
    return null;
  });
  if (refused) return { refused };
  const delivery = await getDelivery(db, id);
  // Deleted with its subscription between the two statements.
  return delivery ? { delivery } : { refused: 'not_found' };
}
