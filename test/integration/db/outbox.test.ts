/**
 * NT1: the queries the notification dispatchers drain the outbox with. On a database of its own,
 * so lists, counts and digests hold exactly what this file wrote (the run's other tests write
 * subscriptions, people and tasks of their own).
 */
import { randomUUID } from 'node:crypto';
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../../../db/client';
import { createUser } from '../../../db/queries/auth';
import { ensureClient } from '../../../db/queries/handoff';
import {
  failWebhookDelivery,
  flagOverdueTasks,
  getEmailPreference,
  loadEmail,
  loadWebhookDelivery,
  markEmail,
  pendingDeliveryIds,
  pendingEmailIds,
  planDigests,
  recordWebhookAttempt,
  setEmailPreference,
  subscriptionsWithPendingDeliveries,
} from '../../../db/queries/outbox';
import { listTasksBy } from '../../../db/queries/task-list';
import { claimTask, closeTasks, ensureTask, type NewTask } from '../../../db/queries/tasks';
import {
  emailMessages,
  notificationEvents,
  tasks,
  users,
  webhookAttempts,
  webhookDeliveries,
  webhookSubscriptions,
  type OpportunityRow,
  type UserRow,
} from '../../../db/schema';
import type { WebhookEventType } from '../../../machines/opportunity/notifications';
import { isolatedTestDb } from '../../support/db';
import { newOpportunity } from './fixtures';

let db: Db;
let isolated: Awaited<ReturnType<typeof isolatedTestDb>>;

beforeAll(async () => {
  isolated = await isolatedTestDb('nt1_outbox');
  db = isolated.db;
});

afterAll(() => isolated.drop());

const person = (name: string, role: UserRow['role'] = 'rep', extra: Partial<UserRow> = {}) =>
  createUser(db, { name, email: `${randomUUID()}@agency.example`, role, ...extra });

async function subscription(
  eventTypes: WebhookEventType[],
  options: { name?: string; active?: boolean; maxConcurrency?: number } = {},
): Promise<string> {
  const [row] = await db
    .insert(webhookSubscriptions)
    .values({
      name: options.name ?? 'Receiver',
      url: 'https://receiver.example.com/hooks',
      eventTypes,
      active: options.active ?? true,
      maxConcurrency: options.maxConcurrency ?? 4,
      secretEncrypted: 'sealed',
      createdBy: 'admin',
    })
    .returning({ id: webhookSubscriptions.id });
  return row.id;
}

/** The delivery of a subscription for the notification about this deal (or task). */
async function deliveryOf(subscriptionId: string, about: { opportunityId?: string; taskId?: string }): Promise<string> {
  const rows = await db
    .select({ id: webhookDeliveries.id })
    .from(webhookDeliveries)
    .innerJoin(notificationEvents, eq(notificationEvents.id, webhookDeliveries.notificationId))
    .where(
      and(
        eq(webhookDeliveries.subscriptionId, subscriptionId),
        about.taskId
          ? eq(notificationEvents.taskId, about.taskId)
          : eq(notificationEvents.opportunityId, about.opportunityId!),
      ),
    );
  expect(rows).toHaveLength(1);
  return rows[0].id;
}

const deliveryRow = async (id: string) =>
  (await db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, id)))[0];
const subscriptionRow = async (id: string) =>
  (await db.select().from(webhookSubscriptions).where(eq(webhookSubscriptions.id, id)))[0];

const task = (deal: OpportunityRow, owner: Partial<NewTask>, dueAt: string, title = 'Call Dana back'): NewTask =>
  ({
    key: `task:${randomUUID()}`,
    opportunityId: deal.id,
    kind: 'follow_up',
    title,
    dueAt: new Date(dueAt),
    ...owner,
  }) as NewTask;

const attempt = (
  deliveryId: string,
  n: number,
  overrides: Partial<Parameters<typeof recordWebhookAttempt>[1]> = {},
) => ({
  deliveryId,
  attempt: n,
  startedAt: new Date(Date.UTC(2026, 11, 1, 9, 0, n)),
  statusCode: 500,
  latencyMs: 40 + n,
  error: null,
  responseExcerpt: 'upstream failed',
  nextAttemptAt: new Date(Date.UTC(2026, 11, 1, 9, 5, n)),
  succeeded: false,
  ...overrides,
});

describe('NT1 outbox queries', () => {
  it('pendingDeliveryIds: pending deliveries oldest first, without those in flight; none for a subscription off or unknown', async () => {
    const on = await subscription(['deal.created'], { maxConcurrency: 3 });
    const off = await subscription(['deal.created'], { active: false });
    const ids: string[] = [];
    for (let i = 0; i < 4; i += 1) ids.push(await deliveryOf(on, { opportunityId: (await newOpportunity(db)).id }));

    expect(await pendingDeliveryIds(db, on, [], 10)).toEqual({ active: true, maxConcurrency: 3, ids });
    expect((await pendingDeliveryIds(db, on, [ids[0]], 2)).ids).toEqual([ids[1], ids[2]]);
    await recordWebhookAttempt(db, attempt(ids[1], 1, { statusCode: 200, succeeded: true, nextAttemptAt: null }));
    expect((await pendingDeliveryIds(db, on, [], 10)).ids).toEqual([ids[0], ids[2], ids[3]]);
    expect(await pendingDeliveryIds(db, off, [], 10)).toEqual({ active: false, maxConcurrency: 4, ids: [] });
    expect(await pendingDeliveryIds(db, randomUUID(), [], 10)).toEqual({ active: false, maxConcurrency: 0, ids: [] });
  });

  it('loadWebhookDelivery: the delivery, its subscription, its notification with the deal as named now and the people it mentions', async () => {
    const rita = await person('Rita Rep');
    const otto = await person('Otto Ops', 'ops');
    const sub = await subscription(['task.assigned'], { name: 'Task feed' });
    const deal = await newOpportunity(db, { ownerId: rita.id, title: 'Lead-flow audit', company: 'Acme Plumbing' });
    const queued = task(deal, { queue: 'ops' }, '2026-12-02T09:00:00.000Z');
    await ensureTask(db, queued);
    const [row] = await db.select().from(tasks).where(eq(tasks.key, queued.key));
    await claimTask(db, row.id, otto.id);

    const loaded = await loadWebhookDelivery(db, await deliveryOf(sub, { taskId: row.id }));
    expect(loaded).toMatchObject({
      delivery: { subscriptionId: sub, status: 'pending', attempts: 0 },
      subscription: { id: sub, name: 'Task feed', active: true },
      notification: {
        type: 'task.assigned',
        actorId: otto.id,
        deal: { id: deal.id, title: 'Lead-flow audit', company: 'Acme Plumbing' },
        people: { [rita.id]: 'Rita Rep', [otto.id]: 'Otto Ops' },
        data: {
          deal: { id: deal.id, stage: 'lead', ownerId: rita.id },
          task: { id: row.id, ownerId: otto.id, queue: 'ops', previousOwnerId: null, previousQueue: 'ops' },
        },
      },
    });
    expect(loaded!.notification.occurredAt).toBeInstanceOf(Date);
    expect(Object.keys(loaded!.notification.people).sort()).toEqual([rita.id, otto.id].sort());
    expect(await loadWebhookDelivery(db, randomUUID())).toBeNull();
  });

  it('recordWebhookAttempt: each attempt logged once, the delivery keeping the latest and its first', async () => {
    const sub = await subscription(['deal.created']);
    const deliveryId = await deliveryOf(sub, { opportunityId: (await newOpportunity(db)).id });
    const first = attempt(deliveryId, 1);
    await recordWebhookAttempt(db, first);
    await recordWebhookAttempt(db, { ...first, statusCode: 502, responseExcerpt: 'again' });
    expect(await deliveryRow(deliveryId)).toMatchObject({
      status: 'pending',
      attempts: 1,
      lastStatusCode: 500,
      lastLatencyMs: 41,
      lastError: null,
      nextAttemptAt: first.nextAttemptAt,
      firstAttemptAt: first.startedAt,
      completedAt: null,
    });

    await recordWebhookAttempt(
      db,
      attempt(deliveryId, 2, { statusCode: null, error: 'connection refused', responseExcerpt: null }),
    );
    expect(await deliveryRow(deliveryId)).toMatchObject({
      attempts: 2,
      lastStatusCode: null,
      lastError: 'connection refused',
    });

    const third = attempt(deliveryId, 3, {
      statusCode: 204,
      responseExcerpt: '',
      nextAttemptAt: null,
      succeeded: true,
    });
    await recordWebhookAttempt(db, third);
    await recordWebhookAttempt(db, third);
    const done = await deliveryRow(deliveryId);
    expect(done).toMatchObject({
      status: 'succeeded',
      attempts: 3,
      lastStatusCode: 204,
      lastError: null,
      nextAttemptAt: null,
      firstAttemptAt: first.startedAt,
    });
    expect(done.completedAt).toBeInstanceOf(Date);
    const log = await db
      .select()
      .from(webhookAttempts)
      .where(eq(webhookAttempts.deliveryId, deliveryId))
      .orderBy(webhookAttempts.attempt);
    expect(log.map((a) => [a.attempt, a.statusCode, a.error, a.responseExcerpt])).toEqual([
      [1, 500, null, 'upstream failed'],
      [2, null, 'connection refused', null],
      [3, 204, null, ''],
    ]);
  });

  it('failWebhookDelivery: the delivery fails, its subscription is switched off with the reason and one ops task opens, once', async () => {
    const sub = await subscription(['deal.created'], { name: 'CRM sync' });
    const [a, b, c] = await Promise.all(
      [1, 2, 3].map(async () => deliveryOf(sub, { opportunityId: (await newOpportunity(db)).id })),
    );
    const at = new Date('2026-12-02T10:00:00.000Z');
    const reason = 'no 2xx answer for 24 hours (last: HTTP 503)';
    expect(await failWebhookDelivery(db, { deliveryId: a, reason, at })).toEqual({ disabled: true });
    expect(await deliveryRow(a)).toMatchObject({ status: 'failed', completedAt: at });
    expect(await subscriptionRow(sub)).toMatchObject({ active: false, disabledReason: reason, disabledAt: at });
    const openedFor = () =>
      db
        .select()
        .from(tasks)
        .where(sql`${tasks.kind} = 'webhook_failing' AND ${tasks.key} LIKE ${`webhook_failing:${sub}:%`}`);
    const [opened, ...others] = await openedFor();
    expect(others).toEqual([]);
    expect(opened).toMatchObject({
      key: `webhook_failing:${sub}:${at.toISOString()}`,
      opportunityId: null,
      queue: 'ops',
      ownerId: null,
      status: 'open',
      dueAt: at,
    });
    expect(opened.title).toContain('CRM sync');
    expect(opened.title).toContain(reason);
    // Ops and admin list it with the other tasks; a rep, who owns neither it nor a deal of it, does not.
    const listed = async (visibleTo?: string) =>
      (await listTasksBy(db, { kind: 'webhook_failing', queue: 'ops', status: 'open', visibleTo, limit: 100 })).items;
    expect((await listed()).map((t) => t.id)).toContain(opened.id);
    expect(await listed(randomUUID())).toEqual([]);
    const [told] = await db.select().from(notificationEvents).where(eq(notificationEvents.taskId, opened.id));
    expect(told).toMatchObject({
      type: 'task.created',
      opportunityId: null,
      data: { task: { kind: 'webhook_failing', queue: 'ops' } },
    });

    // Again, and another delivery of the switched-off subscription: it fails, nothing else happens.
    expect(await failWebhookDelivery(db, { deliveryId: a, reason, at })).toEqual({ disabled: false });
    expect(await failWebhookDelivery(db, { deliveryId: b, reason, at })).toEqual({ disabled: false });
    expect((await deliveryRow(b)).status).toBe('failed');
    expect(await openedFor()).toHaveLength(1);
    expect(await pendingDeliveryIds(db, sub, [], 10)).toEqual({ active: false, maxConcurrency: 4, ids: [] });

    // Switched on again, it fails again later: that is news, with a task of its own.
    await db
      .update(webhookSubscriptions)
      .set({ active: true, disabledReason: null, disabledAt: null })
      .where(eq(webhookSubscriptions.id, sub));
    expect((await pendingDeliveryIds(db, sub, [], 10)).ids).toEqual([c]);
    const later = new Date('2026-12-03T10:00:00.000Z');
    expect(await failWebhookDelivery(db, { deliveryId: c, reason, at: later })).toEqual({ disabled: true });
    expect((await openedFor()).map((t) => t.key).sort()).toEqual(
      [`webhook_failing:${sub}:${at.toISOString()}`, `webhook_failing:${sub}:${later.toISOString()}`].sort(),
    );
    expect(await failWebhookDelivery(db, { deliveryId: randomUUID(), reason, at })).toEqual({ disabled: false });
  });

  it('subscriptionsWithPendingDeliveries: the subscriptions on with deliveries waiting', async () => {
    const waiting = await subscription(['deal.created']);
    const off = await subscription(['deal.created'], { active: false });
    const drained = await subscription(['deal.created']);
    const deal = await newOpportunity(db);
    await recordWebhookAttempt(
      db,
      attempt(await deliveryOf(drained, { opportunityId: deal.id }), 1, { succeeded: true }),
    );
    const found = await subscriptionsWithPendingDeliveries(db);
    expect(found).toContain(waiting);
    expect(found).not.toContain(off);
    expect(found).not.toContain(drained);
  });

  it('flagOverdueTasks: open tasks due before now, each once', async () => {
    const deal = await newOpportunity(db);
    // Due long ago, so no other task of this database is due before `now`.
    const due = [
      '2001-01-01T09:00:00.000Z',
      '2001-01-01T10:00:00.000Z',
      '2001-01-01T11:00:00.000Z',
      '2001-01-03T09:00:00.000Z',
    ];
    for (const at of due) await ensureTask(db, task(deal, { ownerId: 'rep-1' }, at, at));
    const [closed] = await db.select().from(tasks).where(eq(tasks.title, due[2]));
    await closeTasks(
      db,
      deal.id,
      { taskId: closed.id, status: 'done', reason: 'completed', closedBy: 'rep-1' },
      new Date(),
    );
    const now = new Date('2001-01-02T00:00:00.000Z');
    expect(await flagOverdueTasks(db, now)).toBe(2);
    expect(await flagOverdueTasks(db, now)).toBe(0);
    const flagged = await db.select().from(tasks).where(eq(tasks.opportunityId, deal.id));
    expect(
      flagged
        .filter((t) => t.overdueNotifiedAt !== null)
        .map((t) => t.title)
        .sort(),
    ).toEqual([due[0], due[1]]);
  });

  it('pendingEmailIds, loadEmail and markEmail: immediate emails oldest first, loaded with their notification', async () => {
    const rita = await person('Rita Rep');
    const deal = await newOpportunity(db, { ownerId: rita.id, company: 'Acme Plumbing' });
    const made: string[] = [];
    for (const title of ['First', 'Second', 'Third']) {
      const t = task(deal, { ownerId: rita.id }, '2026-12-05T09:00:00.000Z', title);
      await ensureTask(db, t);
      const [row] = await db
        .select({ id: emailMessages.id })
        .from(emailMessages)
        .innerJoin(notificationEvents, eq(notificationEvents.id, emailMessages.notificationId))
        .innerJoin(tasks, eq(tasks.id, notificationEvents.taskId))
        .where(eq(tasks.key, t.key));
      made.push(row.id);
    }
    const pending = await pendingEmailIds(db, [], 1_000);
    expect(pending.filter((id) => made.includes(id))).toEqual(made);
    expect(await pendingEmailIds(db, [], 0)).toEqual([]);
    expect(await pendingEmailIds(db, [pending[0]], 1)).toEqual([pending[1]]);

    const loaded = await loadEmail(db, made[0]);
    expect(loaded).toMatchObject({
      email: { kind: 'immediate', userId: rita.id, status: 'pending', attempts: 0 },
      to: { id: rita.id, name: 'Rita Rep', email: rita.email, active: true },
      notification: {
        type: 'task.created',
        deal: { id: deal.id, company: 'Acme Plumbing' },
        data: { task: { title: 'First', ownerId: rita.id } },
        people: { [rita.id]: 'Rita Rep' },
      },
      digest: null,
    });
    expect(await loadEmail(db, randomUUID())).toBeNull();

    await markEmail(db, made[0], { status: 'succeeded', attempts: 2 });
    await markEmail(db, made[1], { status: 'failed', error: 'SMTP 550 mailbox unavailable', attempts: 5 });
    await markEmail(db, made[1], { status: 'failed', error: 'SMTP 550 mailbox unavailable', attempts: 0 });
    await markEmail(db, made[2], { status: 'skipped', attempts: 1 });
    const rows = await db.select().from(emailMessages).where(inArray(emailMessages.id, made));
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(byId.get(made[0])).toMatchObject({ status: 'succeeded', attempts: 2, lastError: null });
    expect(byId.get(made[0])!.sentAt).toBeInstanceOf(Date);
    expect(byId.get(made[1])).toMatchObject({
      status: 'failed',
      attempts: 5,
      lastError: 'SMTP 550 mailbox unavailable',
      sentAt: null,
    });
    expect(byId.get(made[2])).toMatchObject({ status: 'skipped', attempts: 1, sentAt: null });
    expect(await pendingEmailIds(db, [], 1_000)).toEqual(expect.not.arrayContaining(made));
  });

  it('planDigests and loadEmail: one digest a day per person who wants email and has tasks due, listing them due and overdue', async () => {
    // A day long before every other task of this database, so the digests are exactly these people's.
    const date = '1999-06-01';
    const dayEnd = new Date(`${date}T23:59:59.999Z`);
    const imm = await person('Ivy Immediate');
    const dig = await person('Dan Digest', 'ops');
    const off = await person('Olaf Off');
    const gone = await person('Gina Gone');
    const later = await person('Lou Later');
    const deal = await newOpportunity(db, { ownerId: imm.id, title: 'Lead-flow audit', company: 'Acme Plumbing' });
    const portal = await person('Pat Portal', 'portal', {
      clientId: (await ensureClient(db, { key: `client:${deal.id}`, opportunityId: deal.id, name: `Acme ${deal.id}` }))
        .id,
    });
    await setEmailPreference(db, dig.id, 'digest');
    await setEmailPreference(db, off.id, 'off');
    const due = task(deal, { ownerId: imm.id }, `${date}T09:00:00.000Z`, 'Due today');
    const overdue = task(deal, { ownerId: imm.id }, '1999-05-20T09:00:00.000Z', 'Overdue');
    const closed = task(deal, { ownerId: imm.id }, `${date}T10:00:00.000Z`, 'Done already');
    for (const t of [
      due,
      overdue,
      closed,
      task(deal, { ownerId: imm.id }, '1999-06-02T09:00:00.000Z', 'Tomorrow'),
      task(deal, { ownerId: dig.id }, `${date}T12:00:00.000Z`),
      task(deal, { ownerId: off.id }, `${date}T12:00:00.000Z`),
      task(deal, { ownerId: gone.id }, `${date}T12:00:00.000Z`),
      task(deal, { ownerId: portal.id }, `${date}T12:00:00.000Z`),
      task(deal, { ownerId: later.id }, '1999-06-02T09:00:00.000Z'),
    ])
      await ensureTask(db, t);
    const [done] = await db.select().from(tasks).where(eq(tasks.key, closed.key));
    await closeTasks(
      db,
      deal.id,
      { taskId: done.id, status: 'done', reason: 'completed', closedBy: imm.id },
      new Date(),
    );
    // A task of no deal (a failing webhook) someone took.
    await db.insert(tasks).values({
      key: `webhook_failing:${randomUUID()}`,
      kind: 'webhook_failing',
      title: 'Webhook "CRM sync" was switched off',
      ownerId: imm.id,
      queue: 'ops',
      dueAt: new Date('1999-05-25T09:00:00.000Z'),
    });
    await db.update(users).set({ active: false, deactivatedAt: new Date() }).where(eq(users.id, gone.id));

    expect(await planDigests(db, date, dayEnd)).toBe(2);
    expect(await planDigests(db, date, dayEnd)).toBe(0);
    const digests = await db.select().from(emailMessages).where(eq(emailMessages.digestDate, date));
    expect(digests.map((d) => d.userId).sort()).toEqual([imm.id, dig.id].sort());
    expect(digests.every((d) => d.kind === 'digest' && d.status === 'pending' && d.notificationId === null)).toBe(true);

    const loaded = await loadEmail(db, digests.find((d) => d.userId === imm.id)!.id);
    const named = { id: deal.id, title: 'Lead-flow audit', company: 'Acme Plumbing' };
    expect(loaded).toMatchObject({
      email: { kind: 'digest', digestDate: date },
      to: { id: imm.id, name: 'Ivy Immediate', active: true },
      notification: null,
    });
    expect(loaded!.digest).toEqual({
      due: [{ id: expect.any(String), title: 'Due today', kind: 'follow_up', dueAt: due.dueAt, deal: named }],
      overdue: [
        { id: expect.any(String), title: 'Overdue', kind: 'follow_up', dueAt: overdue.dueAt, deal: named },
        {
          id: expect.any(String),
          title: 'Webhook "CRM sync" was switched off',
          kind: 'webhook_failing',
          dueAt: new Date('1999-05-25T09:00:00.000Z'),
          deal: null,
        },
      ],
    });
  });

  it('email preferences: immediate until a person says otherwise', async () => {
    const someone = await person('Sam Someone');
    expect(await getEmailPreference(db, someone.id)).toBe('immediate');
    await setEmailPreference(db, someone.id, 'digest');
    expect(await getEmailPreference(db, someone.id)).toBe('digest');
    await setEmailPreference(db, someone.id, 'off');
    expect(await getEmailPreference(db, someone.id)).toBe('off');
    await setEmailPreference(db, someone.id, 'immediate');
    expect(await getEmailPreference(db, someone.id)).toBe('immediate');
  });
});
