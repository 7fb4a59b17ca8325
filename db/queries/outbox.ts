import type { DigestTask } from '../../notifications/email-text';
import { and, eq, exists, isNull, lt, notInArray, sql } from 'drizzle-orm';
import type { EmailPreference, WebhookEventType } from '../../machines/opportunity/notifications';
import type { LoadedNotification, NotificationData } from '../../notifications/types';
import type { Db } from '../client';
import {
  emailMessages,
  notificationEvents,
  notificationPreferences,
  opportunities,
  tasks,
  users,
  webhookAttempts,
  webhookDeliveries,
  webhookSubscriptions,
  type EmailMessageRow,
  type WebhookDeliveryRow,
  type WebhookSubscriptionRow,
} from '../schema';
import { inTransaction } from './support';
import { userNames } from './users-lookup';

/*
 * NT1: what the notification dispatchers read and write. The triggers of migration 0013 fill the
 * outbox (notification_events, webhook_deliveries, email_messages); these queries drain it.
 */

/** A person without a preference row gets every email as it happens (the triggers assume the same). */
const DEFAULT_EMAIL_PREFERENCE: EmailPreference = 'immediate';

/**
 * The next pending deliveries of a subscription, oldest notification first, leaving out those
 * already in flight. A switched-off (or unknown: maxConcurrency 0) subscription gets none.
 */
export async function pendingDeliveryIds(
  db: Db,
  subscriptionId: string,
  exclude: string[],
  limit: number,
): Promise<{ active: boolean; ids: string[]; maxConcurrency: number }> {
  const [subscription] = await db
    .select({ active: webhookSubscriptions.active, maxConcurrency: webhookSubscriptions.maxConcurrency })
    .from(webhookSubscriptions)
    .where(eq(webhookSubscriptions.id, subscriptionId));
  if (!subscription) return { active: false, ids: [], maxConcurrency: 0 };
  if (!subscription.active || limit <= 0) return { ...subscription, ids: [] };
  const rows = await db
    .select({ id: webhookDeliveries.id })
    .from(webhookDeliveries)
    .innerJoin(notificationEvents, eq(notificationEvents.id, webhookDeliveries.notificationId))
    .where(
      and(
        eq(webhookDeliveries.subscriptionId, subscriptionId),
        eq(webhookDeliveries.status, 'pending'),
        exclude.length > 0 ? notInArray(webhookDeliveries.id, exclude) : undefined,
      ),
    )
    .orderBy(webhookDeliveries.createdAt, notificationEvents.seq)
    .limit(limit);
  return { ...subscription, ids: rows.map((row) => row.id) };
}

/** The user ids a notification's data and actor mention. */
function mentionedPeople(actorId: string | null, data: NotificationData): (string | null | undefined)[] {
  return [actorId, data.deal?.ownerId, data.task?.ownerId, data.task?.previousOwnerId];
}

/** A notification as the senders read it: the deal as it is named now and the names of the people it mentions. */
async function loadNotification(db: Db, id: string): Promise<LoadedNotification | null> {
  const [row] = await db
    .select({
      event: notificationEvents,
      deal: { id: opportunities.id, title: opportunities.title, company: opportunities.company },
    })
    .from(notificationEvents)
    .leftJoin(opportunities, eq(opportunities.id, notificationEvents.opportunityId))
    .where(eq(notificationEvents.id, id));
  if (!row) return null;
  const data = row.event.data as NotificationData;
  const names = await userNames(db, mentionedPeople(row.event.actorId, data));
  return {
    id: row.event.id,
    type: row.event.type as WebhookEventType,
    occurredAt: row.event.occurredAt,
    actorId: row.event.actorId,
    data,
    deal: row.deal,
    people: Object.fromEntries(names),
  };
}

/** One delivery with its subscription and its notification, or null when there is no such delivery. */
export async function loadWebhookDelivery(
  db: Db,
  deliveryId: string,
): Promise<{
  delivery: WebhookDeliveryRow;
  subscription: WebhookSubscriptionRow;
  notification: LoadedNotification;
} | null> {
  const [row] = await db
    .select({ delivery: webhookDeliveries, subscription: webhookSubscriptions })
    .from(webhookDeliveries)
    .innerJoin(webhookSubscriptions, eq(webhookSubscriptions.id, webhookDeliveries.subscriptionId))
    .where(eq(webhookDeliveries.id, deliveryId));
  if (!row) return null;
  const notification = await loadNotification(db, row.delivery.notificationId);
  return notification && { ...row, notification };
}

export interface WebhookAttemptInput {
  deliveryId: string;
  /** The attempt's number for this delivery: 1, 2, 3… across every activity that tried it. */
  attempt: number;
  startedAt: Date;
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
  responseExcerpt: string | null;
  nextAttemptAt: Date | null;
  succeeded: boolean;
}

/**
 * Logs one attempt and moves its delivery's summary (last status, latency, error, next attempt;
 * succeeded when it did), in one transaction. The same attempt number again writes nothing; an
 * attempt older than the latest logged one only joins the log.
 */
export async function recordWebhookAttempt(db: Db, input: WebhookAttemptInput): Promise<void> {
  await inTransaction(db, async (tx) => {
    const logged = await tx
      .insert(webhookAttempts)
      .values({
        deliveryId: input.deliveryId,
        attempt: input.attempt,
        startedAt: input.startedAt,
        statusCode: input.statusCode,
        latencyMs: input.latencyMs,
        error: input.error,
        responseExcerpt: input.responseExcerpt,
        nextAttemptAt: input.nextAttemptAt,
      })
      .onConflictDoNothing({ target: [webhookAttempts.deliveryId, webhookAttempts.attempt] })
      .returning({ id: webhookAttempts.id });
    if (logged.length === 0) return;
    await tx
      .update(webhookDeliveries)
      .set({
        attempts: input.attempt,
        lastStatusCode: input.statusCode,
        lastLatencyMs: input.latencyMs,
        lastError: input.error,
        nextAttemptAt: input.nextAttemptAt,
        firstAttemptAt: sql`coalesce(${webhookDeliveries.firstAttemptAt}, ${input.startedAt.toISOString()}::timestamptz)`,
        ...(input.succeeded ? { status: 'succeeded' as const, completedAt: sql`now()` } : {}),
        updatedAt: sql`now()`,
      })
      .where(and(eq(webhookDeliveries.id, input.deliveryId), lt(webhookDeliveries.attempts, input.attempt)));
  });
}

/**
 * A delivery whose retries ran out, in one transaction: it fails; its subscription, if still on,
 * is switched off with the reason, and an ops task (about no deal) says so. Only the call that
 * fails the pending delivery does the rest, so a repeated call, or one after an admin switched
 * the subscription on again, changes nothing. Answers whether this call switched it off.
 */
export function failWebhookDelivery(
  db: Db,
  input: { deliveryId: string; reason: string; at: Date },
): Promise<{ disabled: boolean }> {
  return inTransaction(db, async (tx) => {
    const [failed] = await tx
      .update(webhookDeliveries)
      .set({ status: 'failed', completedAt: input.at, nextAttemptAt: null, updatedAt: sql`now()` })
      .where(and(eq(webhookDeliveries.id, input.deliveryId), eq(webhookDeliveries.status, 'pending')))
      .returning({ subscriptionId: webhookDeliveries.subscriptionId });
    if (!failed) return { disabled: false };
    const [disabled] = await tx
      .update(webhookSubscriptions)
      .set({ active: false, disabledReason: input.reason, disabledAt: input.at, updatedAt: sql`now()` })
      .where(and(eq(webhookSubscriptions.id, failed.subscriptionId), eq(webhookSubscriptions.active, true)))
      .returning({ id: webhookSubscriptions.id, name: webhookSubscriptions.name });
    if (!disabled) return { disabled: false };
    await tx
      .insert(tasks)
      .values({
        key: `webhook_failing:${disabled.id}:${input.at.toISOString()}`,
        opportunityId: null,
        kind: 'webhook_failing',
        title: `Webhook "${disabled.name}" was switched off because its deliveries kept failing (${input.reason}); fix the receiver, then switch it on again`,
        queue: 'ops',
        ownerId: null,
        dueAt: input.at,
      })
      .onConflictDoNothing({ target: tasks.key });
    return { disabled: true };
  });
}

/** Subscriptions that are on and have deliveries waiting (the kicker's rescan). */
export async function subscriptionsWithPendingDeliveries(db: Db): Promise<string[]> {
  const waiting = db
    .select({ one: sql`1` })
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.subscriptionId, webhookSubscriptions.id), eq(webhookDeliveries.status, 'pending')));
  const rows = await db
    .select({ id: webhookSubscriptions.id })
    .from(webhookSubscriptions)
    .where(and(eq(webhookSubscriptions.active, true), exists(waiting)));
  return rows.map((row) => row.id);
}

/** Marks the open tasks due before `now` and not yet announced; the trigger writes `task.overdue` for each. */
export async function flagOverdueTasks(db: Db, now: Date): Promise<number> {
  const flagged = await db
    .update(tasks)
    .set({ overdueNotifiedAt: now })
    .where(and(eq(tasks.status, 'open'), lt(tasks.dueAt, now), isNull(tasks.overdueNotifiedAt)));
  return flagged.rowCount ?? 0;
}

/** The next pending emails, oldest first, leaving out those already in flight. */
export async function pendingEmailIds(db: Db, exclude: string[], limit: number): Promise<string[]> {
  if (limit <= 0) return [];
  const rows = await db
    .select({ id: emailMessages.id })
    .from(emailMessages)
    .where(
      and(eq(emailMessages.status, 'pending'), exclude.length > 0 ? notInArray(emailMessages.id, exclude) : undefined),
    )
    .orderBy(emailMessages.createdAt, emailMessages.id)
    .limit(limit);
  return rows.map((row) => row.id);
}

/** An open task as a digest lists it. */

const DAY_MS = 86_400_000;

/**
 * A person's open tasks for their digest of `date` (a UTC day, as the digests are planned):
 * those due that day, and those due before it (overdue), soonest first.
 */
async function digestOf(db: Db, userId: string, date: string): Promise<{ due: DigestTask[]; overdue: DigestTask[] }> {
  const dayStart = new Date(`${date}T00:00:00.000Z`);
  const rows: DigestTask[] = await db
    .select({
      id: tasks.id,
      title: tasks.title,
      kind: tasks.kind,
      dueAt: tasks.dueAt,
      deal: { id: opportunities.id, title: opportunities.title, company: opportunities.company },
    })
    .from(tasks)
    .leftJoin(opportunities, eq(opportunities.id, tasks.opportunityId))
    .where(
      and(eq(tasks.ownerId, userId), eq(tasks.status, 'open'), lt(tasks.dueAt, new Date(dayStart.getTime() + DAY_MS))),
    )
    .orderBy(tasks.dueAt, tasks.id);
  return {
    due: rows.filter((task) => task.dueAt >= dayStart),
    overdue: rows.filter((task) => task.dueAt < dayStart),
  };
}

/**
 * One email with its recipient, and what it tells: the notification of an immediate email, or
 * the tasks of a digest. Null when there is no such email.
 */
export async function loadEmail(
  db: Db,
  emailId: string,
): Promise<{
  email: EmailMessageRow;
  to: { id: string; name: string; email: string; active: boolean };
  notification: LoadedNotification | null;
  digest: { due: DigestTask[]; overdue: DigestTask[] } | null;
} | null> {
  const [row] = await db
    .select({
      email: emailMessages,
      to: { id: users.id, name: users.name, email: users.email, active: users.active },
    })
    .from(emailMessages)
    .innerJoin(users, eq(users.id, emailMessages.userId))
    .where(eq(emailMessages.id, emailId));
  if (!row) return null;
  const { email, to } = row;
  if (email.kind === 'digest')
    return { email, to, notification: null, digest: await digestOf(db, to.id, email.digestDate!) };
  return { email, to, notification: await loadNotification(db, email.notificationId!), digest: null };
}

/** Where an email ended: sent (when), skipped or failed (why). The attempt count never goes down. */
export async function markEmail(
  db: Db,
  emailId: string,
  outcome: { status: 'succeeded' | 'failed' | 'skipped'; error?: string | null; attempts: number },
): Promise<void> {
  await db
    .update(emailMessages)
    .set({
      status: outcome.status,
      lastError: outcome.error ?? null,
      attempts: sql`greatest(${emailMessages.attempts}, ${outcome.attempts}::integer)`,
      ...(outcome.status === 'succeeded' ? { sentAt: sql`now()` } : {}),
    })
    .where(eq(emailMessages.id, emailId));
}

/**
 * The digests of `date`: one per active person of the agency (never a portal user) who wants
 * email (immediate or digest) and owns an open task due before `dayEnd`. Planning the same day
 * again adds none; answers how many this call added.
 */
export async function planDigests(db: Db, date: string, dayEnd: Date): Promise<number> {
  const wanted: EmailPreference[] = ['immediate', 'digest'];
  const planned = await db.execute(sql`
    INSERT INTO ${emailMessages} ("kind", "user_id", "digest_date")
    SELECT 'digest', ${users.id}, ${date}
      FROM ${users} LEFT JOIN ${notificationPreferences} ON ${notificationPreferences.userId} = ${users.id}
     WHERE ${users.active} AND ${users.role} <> 'portal'
       AND coalesce(${notificationPreferences.email}, ${DEFAULT_EMAIL_PREFERENCE}) IN (${sql.join(wanted, sql`, `)})
       AND EXISTS (
         SELECT 1 FROM ${tasks}
          WHERE ${tasks.ownerId} = ${users.id}::text AND ${tasks.status} = 'open'
            AND ${tasks.dueAt} < ${dayEnd.toISOString()}::timestamptz)
    ON CONFLICT ("user_id", "digest_date") DO NOTHING`);
  return planned.rowCount ?? 0;
}

/** Sets how a person wants their email. */
export async function setEmailPreference(db: Db, userId: string, email: EmailPreference): Promise<void> {
  await db
    .insert(notificationPreferences)
    .values({ userId, email })
    .onConflictDoUpdate({ target: notificationPreferences.userId, set: { email, updatedAt: sql`now()` } });
}

/** How a person wants their email (immediate until they say otherwise). */
export async function getEmailPreference(db: Db, userId: string): Promise<EmailPreference> {
  const [row] = await db
    .select({ email: notificationPreferences.email })
    .from(notificationPreferences)
    .where(eq(notificationPreferences.userId, userId));
  return row?.email ?? DEFAULT_EMAIL_PREFERENCE;
}
