/**
 * NT1: the triggers of migration 0013. Every write the app makes that someone may be told of
 * writes its notification once, in its own transaction, fanned out to the subscriptions and the
 * people who want it. Driven through the deal activities and the real machine, on a database of
 * its own: the run's other tests make subscriptions and people that would receive these too.
 */
import { randomUUID } from 'node:crypto';
import { asc, eq, gt } from 'drizzle-orm';
import { Client } from 'pg';
import { createDealActivities, type RecordDealEventInput } from '../../../activities/deal';
import { UNCOUNTED } from '../../../activities/metrics';
import type { Db } from '../../../db/client';
import { createUser } from '../../../db/queries/auth';
import { ensureClient, syncHandoffBlockers } from '../../../db/queries/handoff';
import { flagOverdueTasks, setEmailPreference } from '../../../db/queries/outbox';
import { ensureService } from '../../../db/queries/services';
import { claimTask, getTask } from '../../../db/queries/tasks';
import {
  emailMessages,
  notificationEvents,
  opportunityEvents,
  tasks,
  webhookDeliveries,
  webhookSubscriptions,
  type NotificationEventRow,
  type UserRow,
} from '../../../db/schema';
import { FIXTURE_SERVICE, stepsUpTo } from '../../../fixtures/deal-events';
import { createLogger } from '../../../infra/logger';
import { createDeal, type Actor, type DealState } from '../../../machines/opportunity';
import {
  IMMEDIATE_EMAIL_TYPES,
  WEBHOOK_EVENT_TYPES,
  type WebhookEventType,
} from '../../../machines/opportunity/notifications';
import { recordedEvent } from '../../support/recorded-event';
import { isolatedTestDb } from '../../support/db';
import { testNotifyDeps } from '../../support/notify';
import { newOpportunity, pgError } from './fixtures';

let isolated: Awaited<ReturnType<typeof isolatedTestDb>>;
let db: Db;
let url: string;
let deals: ReturnType<typeof createDealActivities>;

/** The people of the agency (and one client) the notifications may reach. */
const people = {} as Record<'rep' | 'rep2' | 'ops' | 'admin' | 'opsDigest' | 'opsOff' | 'opsGone' | 'portal', UserRow>;
const actor = (user: UserRow): Actor => ({ id: user.id, role: user.role });
const SYSTEM: Actor = { id: 'system', role: 'system' };
const LINK: Actor = { id: 'proposal-link', role: 'portal' };

/** Subscriptions: one wanting everything, one wanting two types, one switched off. */
const subs = { all: '', dealsOnly: '', off: '' };
const DEALS_ONLY: WebhookEventType[] = ['deal.created', 'deal.won'];

async function subscription(name: string, eventTypes: readonly WebhookEventType[], active: boolean): Promise<string> {
  const [row] = await db
    .insert(webhookSubscriptions)
    .values({
      name,
      url: 'https://receiver.example.com/hooks',
      eventTypes: [...eventTypes],
      active,
      secretEncrypted: 'sealed',
      createdBy: 'admin',
    })
    .returning({ id: webhookSubscriptions.id });
  return row.id;
}

beforeAll(async () => {
  isolated = await isolatedTestDb('nt1_triggers');
  db = isolated.db;
  url = isolated.url;
  deals = createDealActivities({
    db,
    logger: createLogger('silent'),
    clock: () => new Date(),
    counters: UNCOUNTED,
    notify: testNotifyDeps(),
  });
  await ensureService(db, FIXTURE_SERVICE);
  subs.all = await subscription('everything', WEBHOOK_EVENT_TYPES, true);
  subs.dealsOnly = await subscription('deals only', DEALS_ONLY, true);
  subs.off = await subscription('switched off', WEBHOOK_EVENT_TYPES, false);
  const person = (name: string, role: UserRow['role'], extra: Partial<UserRow> = {}) =>
    createUser(db, { name, email: `${name.toLowerCase().replace(/ /g, '.')}@agency.example`, role, ...extra });
  people.rep = await person('Rita Rep', 'rep');
  people.rep2 = await person('Rob Rep', 'rep');
  people.ops = await person('Otto Ops', 'ops');
  people.admin = await person('Ada Admin', 'admin');
  people.opsDigest = await person('Dora Digest', 'ops');
  people.opsOff = await person('Olaf Off', 'ops');
  people.opsGone = await person('Gina Gone', 'ops', { active: false, deactivatedAt: new Date() });
  const anchor = await Deal.open(people.rep);
  const client = await ensureClient(db, { key: `client:${anchor.id}`, opportunityId: anchor.id, name: 'Acme' });
  people.portal = await person('Pat Portal', 'portal', { clientId: client.id });
  await setEmailPreference(db, people.opsDigest.id, 'digest');
  await setEmailPreference(db, people.opsOff.id, 'off');
  // A preference set back to immediate counts as immediate.
  await setEmailPreference(db, people.admin.id, 'off');
  await setEmailPreference(db, people.admin.id, 'immediate');
  await written();
});

afterAll(async () => {
  await isolated.drop();
});

let seen = 0;
/** The notifications written since the last call, in order. */
async function written(): Promise<NotificationEventRow[]> {
  const rows = await db
    .select()
    .from(notificationEvents)
    .where(gt(notificationEvents.seq, seen))
    .orderBy(asc(notificationEvents.seq));
  if (rows.length > 0) seen = rows[rows.length - 1].seq;
  return rows;
}
const typesOf = (rows: NotificationEventRow[]) => rows.map((row) => row.type);

/** Who got an immediate email for a notification. */
async function mailedFor(notificationId: string): Promise<string[]> {
  const rows = await db
    .select({ userId: emailMessages.userId })
    .from(emailMessages)
    .where(eq(emailMessages.notificationId, notificationId));
  return rows.map((row) => row.userId).sort();
}

/** A deal as its workflow keeps it, writing through the deal activities. */
class Deal {
  version = 0;
  position = 0;
  readonly writes: RecordDealEventInput[] = [];
  private constructor(
    readonly id: string,
    public state: DealState,
  ) {}

  get workflowId(): string {
    return `opportunity-${this.id}`;
  }

  static async open(owner: UserRow): Promise<Deal> {
    const id = randomUUID();
    const at = new Date().toISOString();
    const nextAction = { description: 'Qualify this lead', dueAt: inDays(7), ownerId: owner.id };
    const state = createDeal({ opportunityId: id, ownerId: owner.id, source: 'referral', at, nextAction });
    const deal = new Deal(id, state);
    await deals.createOpportunityRecord({
      opportunityId: id,
      workflowId: deal.workflowId,
      title: 'Lead-flow automation',
      company: `Company ${id.slice(0, 8)}`,
      ownerId: owner.id,
      source: 'referral',
      state,
      createdAt: at,
    });
    return deal;
  }

  /** Records one event as the workflow does; `times` sends the same write again (a retried activity). */
  async record(event: Record<string, unknown>, options: { attachments?: object; times?: number } = {}) {
    const recorded = recordedEvent(this, event, `${this.workflowId}:${randomUUID()}`, options.attachments);
    const { input, state } = recorded;
    for (let i = 0; i < (options.times ?? 1); i += 1) await deals.recordDealEvent(input);
    this.writes.push(input);
    Object.assign(this, { state, version: input.version, position: input.position });
    return recorded.event;
  }

  /** The happy path's events up to `stage`, sent by the deal's owner and approved by ops. */
  async walkTo(stage: string): Promise<void> {
    for (const step of stepsUpTo(stage, actor(people.rep), actor(people.ops)))
      await this.record(step.event, { attachments: step.attachments });
  }
}

const inDays = (days: number): string => new Date(Date.now() + days * 86_400_000).toISOString();
const dealData = (deal: Deal, stage: string, extra: object = {}) => ({
  id: deal.id,
  stage,
  ownerId: people.rep.id,
  ...extra,
});

describe('NT1 notification triggers', () => {
  it('a deal along its path: created, every stage change, submitted, approved, sent, viewed, won, blocked, handed off', async () => {
    const deal = await Deal.open(people.rep);
    const [created] = await written();
    expect(created).toMatchObject({
      type: 'deal.created',
      opportunityId: deal.id,
      taskId: null,
      actorId: null,
      data: { deal: dealData(deal, 'lead') },
    });

    await deal.walkTo('approval');
    const walked = await written();
    expect(typesOf(walked)).toEqual([...Array(5).fill('deal.stage_changed'), 'proposal.submitted']);
    expect(walked.map((n) => n.data.deal)).toEqual([
      dealData(deal, 'qualified', { stageBefore: 'lead' }),
      dealData(deal, 'discovery', { stageBefore: 'qualified' }),
      dealData(deal, 'audit', { stageBefore: 'discovery' }),
      dealData(deal, 'proposal', { stageBefore: 'audit' }),
      dealData(deal, 'approval', { stageBefore: 'proposal' }),
      dealData(deal, 'approval', { stageBefore: 'proposal' }),
    ]);
    const submitted = walked[5];
    expect(submitted).toMatchObject({ actorId: people.rep.id, data: { eventType: 'SUBMIT_FOR_APPROVAL' } });
    expect(submitted.data).not.toHaveProperty('internal');
    // Approvers who want email at once hear of it; not the submitter, nor digest, off, gone or portal people.
    expect(await mailedFor(submitted.id)).toEqual([people.ops.id, people.admin.id].sort());

    // In approval: APPROVE, APPROVE_CLIENT_SAFE_SUMMARY (a summary's approval tells nothing), SEND_PROPOSAL.
    const ahead = stepsUpTo('sent', actor(people.rep), actor(people.ops));
    const [approve, summaries, send] = ahead.slice(stepsUpTo('approval', actor(people.rep), actor(people.ops)).length);
    await deal.record(approve.event);
    const [approved, ...noMore] = await written();
    expect(noMore).toEqual([]);
    expect(approved).toMatchObject({
      type: 'proposal.approved',
      actorId: people.ops.id,
      data: { deal: dealData(deal, 'approval'), eventType: 'APPROVE' },
    });
    expect(approved.data.internal).toEqual(await loggedPayload(deal, 'APPROVE'));
    expect(approved.data.internal).toMatchObject({ type: 'APPROVE', actor: actor(people.ops) });

    await deal.record(summaries.event);
    expect(await written()).toEqual([]);

    await deal.record(send.event, { attachments: send.attachments });
    const sent = await written();
    expect(typesOf(sent)).toEqual(['deal.stage_changed', 'proposal.sent']);
    expect(sent[1]).toMatchObject({
      actorId: people.rep.id,
      data: { deal: dealData(deal, 'sent', { stageBefore: 'approval' }), eventType: 'SEND_PROPOSAL' },
    });

    // A retried view (the same write twice) is one notification; the deal's owner is told.
    await deal.record({ type: 'RECORD_VIEW', actor: LINK }, { times: 2 });
    const [viewed, ...once] = await written();
    expect(once).toEqual([]);
    expect(viewed).toMatchObject({
      type: 'proposal.viewed',
      actorId: LINK.id,
      data: { deal: dealData(deal, 'sent'), eventType: 'RECORD_VIEW' },
    });
    expect(viewed.data.internal).toEqual(await loggedPayload(deal, 'RECORD_VIEW'));
    expect(await mailedFor(viewed.id)).toEqual([people.rep.id]);

    for (const step of stepsUpTo('won', actor(people.rep), actor(people.ops)).slice(ahead.length))
      await deal.record(step.event, { attachments: step.attachments });
    const won = await written();
    expect(typesOf(won)).toEqual(['deal.stage_changed', 'deal.stage_changed', 'deal.won']);
    expect(won.map((n) => (n.data.deal as { stage: string }).stage)).toEqual(['contract', 'won', 'won']);
    expect(won[2]).toMatchObject({ actorId: people.rep.id, data: { eventType: 'MARK_WON' } });

    const blocker = (code: string, detail: string) => ({ code, ref: null, detail, taskKey: `${deal.id}:${code}` });
    const sync = (blockers: ReturnType<typeof blocker>[]) =>
      syncHandoffBlockers(db, { opportunityId: deal.id, company: 'Acme', blockers, at: new Date() });
    await sync([blocker('connector_access', 'HubSpot access is not granted yet')]);
    const blocked = await written();
    expect(typesOf(blocked)).toEqual(['handoff.blocked', 'task.created']);
    expect(blocked[0].data).toEqual({
      deal: dealData(deal, 'won'),
      blockers: [{ code: 'connector_access', detail: 'HubSpot access is not granted yet' }],
    });
    // The same list again tells nothing; a code that appears is told alone.
    await sync([blocker('connector_access', 'HubSpot access is not granted yet')]);
    expect(await written()).toEqual([]);
    await sync([
      blocker('connector_access', 'HubSpot access is not granted yet'),
      blocker('portal_contacts', 'Nobody logs in to the portal'),
    ]);
    const more = await written();
    expect(typesOf(more)).toEqual(['handoff.blocked', 'task.created']);
    expect(more[0].data.blockers).toEqual([{ code: 'portal_contacts', detail: 'Nobody logs in to the portal' }]);
    await sync([]);
    expect(await written()).toEqual([]);

    const records = { client: true, project: true, tasks: true, portal: true, connectors: true, reporting: true };
    await deal.record({ type: 'COMPLETE_HANDOFF', actor: SYSTEM, records });
    const handedOff = await written();
    expect(typesOf(handedOff)).toEqual(['deal.stage_changed', 'deal.handed_off']);
    expect(handedOff[1]).toMatchObject({
      actorId: 'system',
      data: { deal: dealData(deal, 'handed_off', { stageBefore: 'won' }), eventType: 'COMPLETE_HANDOFF' },
    });
  });

  it('a proposal sent back is a stage change only; a retried or stale write writes nothing', async () => {
    const deal = await Deal.open(people.rep);
    await deal.walkTo('approval');
    await written();
    const reason = 'Pricing assumptions: a 20% pilot discount we must not show the client';
    await deal.record({ type: 'REJECT', actor: actor(people.ops), reason, nextAction: nextActionOf(people.rep) });
    const [rejected, ...only] = await written();
    expect(only).toEqual([]);
    expect(rejected).toMatchObject({
      type: 'deal.stage_changed',
      actorId: people.ops.id,
      data: { deal: dealData(deal, 'proposal', { stageBefore: 'approval' }), eventType: 'REJECT' },
    });
    expect(JSON.stringify(rejected.data)).not.toContain('pilot discount');

    // The same writes again: the REJECT (same key, same version) and the submission (same key, an older version).
    const submit = deal.writes.find((w) => w.eventType === 'SUBMIT_FOR_APPROVAL')!;
    await deals.recordDealEvent(deal.writes[deal.writes.length - 1]);
    await deals.recordDealEvent(submit);
    expect(await written()).toEqual([]);
  });

  it('a pause, an overdue flag and a loss are each told once, the loss with its reason and no detail', async () => {
    const deal = await Deal.open(people.rep);
    await deal.walkTo('qualified');
    expect(typesOf(await written())).toEqual(['deal.created', 'deal.stage_changed']);

    await deal.record({ type: 'RECORD_CONSENT', actor: actor(people.rep), consent: 'withdrawn' });
    const [paused, ...only] = await written();
    expect(only).toEqual([]);
    expect(paused).toMatchObject({
      type: 'deal.paused',
      actorId: people.rep.id,
      data: { deal: dealData(deal, 'qualified'), eventType: 'RECORD_CONSENT', pauseReasons: ['consent'] },
    });
    // Paused already: another reason is no new pause.
    await deal.record({ type: 'RECORD_CONSENT', actor: actor(people.rep), contactTimingValid: false });
    expect(await written()).toEqual([]);
    // Proposal work pausing is a pause of its own, named by its reasons only.
    const drafting = await Deal.open(people.rep);
    await drafting.walkTo('proposal');
    await written();
    await drafting.record({ type: 'RECORD_VERIFICATION', actor: actor(people.rep), scopeVerified: false });
    expect((await written()).map((n) => [n.type, n.data.pauseReasons])).toEqual([['deal.paused', ['scope']]]);

    await deals.setFlags({ opportunityId: deal.id, overdue: true });
    const [overdue] = await written();
    expect(overdue).toMatchObject({ type: 'deal.overdue', actorId: null, data: { deal: dealData(deal, 'qualified') } });
    await deals.setFlags({ opportunityId: deal.id, overdue: true });
    expect(await written()).toEqual([]);

    const detail = 'Budget moved to the 2028 plan after the CFO left';
    await deal.record({
      type: 'MARK_LOST',
      actor: actor(people.rep),
      reason: 'budget',
      detail,
      reactivateAt: inDays(90),
    });
    const lost = await written();
    expect(typesOf(lost)).toEqual(['deal.stage_changed', 'deal.lost']);
    expect(lost[1]).toMatchObject({
      actorId: people.rep.id,
      data: {
        deal: dealData(deal, 'lost', { stageBefore: 'qualified' }),
        lostReason: 'budget',
        eventType: 'MARK_LOST',
      },
    });
    expect(JSON.stringify(lost)).not.toContain('CFO');
  });

  it('tasks: created, assigned (by an event, a reassignment, a claim) and overdue, told to whom they concern and never to who did it', async () => {
    const deal = await Deal.open(people.rep);
    await written();
    const follow = { key: `${deal.id}:follow`, opportunityId: deal.id, kind: 'follow_up', title: 'Call Dana back' };
    await deals.ensureTask({ ...follow, ownerId: people.rep2.id, dueAt: inDays(2) });
    await deals.ensureTask({ ...follow, ownerId: people.rep2.id, dueAt: inDays(2) });
    const [created, ...once] = await written();
    expect(once).toEqual([]);
    const followTask = (await db.select().from(tasks).where(eq(tasks.key, follow.key)))[0];
    expect(created).toMatchObject({
      type: 'task.created',
      opportunityId: deal.id,
      taskId: followTask.id,
      actorId: 'system',
      data: {
        deal: dealData(deal, 'lead'),
        task: {
          id: followTask.id,
          kind: 'follow_up',
          title: 'Call Dana back',
          ownerId: people.rep2.id,
          queue: null,
          dueAt: followTask.dueAt.toISOString(),
        },
      },
    });
    expect(await mailedFor(created.id)).toEqual([people.rep2.id]);

    // A task a person makes for themselves, or for a queue, mails nobody.
    const own = randomUUID();
    const queued = randomUUID();
    const note = 'Their procurement wants the pricing assumptions first';
    await deal.record({
      type: 'CREATE_TASK',
      actor: actor(people.rep),
      taskId: own,
      title: 'Prepare',
      dueAt: inDays(3),
      ownerId: people.rep.id,
      note,
    });
    await deal.record({
      type: 'CREATE_TASK',
      actor: actor(people.rep),
      taskId: queued,
      title: 'Review',
      dueAt: inDays(3),
      queue: 'ops',
    });
    const made = await written();
    expect(made.map((n) => [n.type, n.taskId, n.actorId])).toEqual([
      ['task.created', own, people.rep.id],
      ['task.created', queued, people.rep.id],
    ]);
    expect(JSON.stringify(made)).not.toContain('procurement');
    expect([...(await mailedFor(made[0].id)), ...(await mailedFor(made[1].id))]).toEqual([]);

    await deal.record({ type: 'ASSIGN_TASK', actor: actor(people.ops), taskId: followTask.id, ownerId: people.rep.id });
    const [assigned, ...single] = await written();
    expect(single).toEqual([]);
    expect(assigned).toMatchObject({
      type: 'task.assigned',
      taskId: followTask.id,
      actorId: people.ops.id,
      data: { task: { ownerId: people.rep.id, queue: null, previousOwnerId: people.rep2.id, previousQueue: null } },
    });
    expect(await mailedFor(assigned.id)).toEqual([people.rep.id]);

    // Claiming a queued task: the claimer is the actor, so nobody is mailed.
    await claimTask(db, queued, people.ops.id);
    const [claimed] = await written();
    expect(claimed).toMatchObject({
      type: 'task.assigned',
      taskId: queued,
      actorId: people.ops.id,
      data: { task: { ownerId: people.ops.id, queue: 'ops', previousOwnerId: null, previousQueue: 'ops' } },
    });
    expect(await mailedFor(claimed.id)).toEqual([]);

    // A reassigned deal takes its owner's open tasks along: each an assignment by whoever reassigned it.
    await deal.record({ type: 'REASSIGN', actor: actor(people.admin), ownerId: people.rep2.id });
    const moved = await written();
    expect(moved.map((n) => [n.type, n.taskId, n.actorId]).sort()).toEqual(
      [
        ['task.assigned', followTask.id, people.admin.id],
        ['task.assigned', own, people.admin.id],
      ].sort(),
    );
    for (const n of moved) expect(await mailedFor(n.id)).toEqual([people.rep2.id]);

    // Closing a task is no assignment, although a queued task done by a person becomes theirs.
    const closing = randomUUID();
    await deal.record({
      type: 'CREATE_TASK',
      actor: actor(people.ops),
      taskId: closing,
      title: 'Check',
      dueAt: inDays(1),
      queue: 'ops',
    });
    await deal.record({ type: 'COMPLETE_TASK', actor: actor(people.ops), taskId: closing });
    expect((await getTask(db, closing))?.ownerId).toBe(people.ops.id);
    expect(typesOf(await written())).toEqual(['task.created']);

    // Nobody is mailed for a task owned by a portal user, or by people who want no immediate email.
    for (const owner of [people.portal, people.opsDigest, people.opsOff, people.opsGone])
      await deals.ensureTask({ ...follow, key: `${deal.id}:${owner.id}`, ownerId: owner.id, dueAt: inDays(2) });
    const quiet = await written();
    expect(typesOf(quiet)).toEqual(Array(4).fill('task.created'));
    for (const n of quiet) expect(await mailedFor(n.id)).toEqual([]);

    const late = { ...follow, key: `${deal.id}:late`, ownerId: people.rep2.id, dueAt: inDays(-1) };
    await deals.ensureTask(late);
    await written();
    const now = new Date();
    expect(await flagOverdueTasks(db, now)).toBe(1);
    expect(await flagOverdueTasks(db, now)).toBe(0);
    const [overdue, ...alone] = await written();
    expect(alone).toEqual([]);
    expect(overdue).toMatchObject({
      type: 'task.overdue',
      actorId: null,
      data: { task: { kind: 'follow_up', ownerId: people.rep2.id, dueAt: new Date(late.dueAt).toISOString() } },
    });
    expect(await mailedFor(overdue.id)).toEqual([]);
  });

  it('a task without a deal is only a webhook_failing one', async () => {
    const base = { key: `nodeal:${randomUUID()}`, title: 'Webhook off', queue: 'ops', dueAt: new Date() } as const;
    const refused = await pgError(db.insert(tasks).values({ ...base, kind: 'other' }));
    expect(refused.code).toBe('23514');
    await db.insert(tasks).values({ ...base, kind: 'webhook_failing' });
    const [created] = await written();
    expect(created).toMatchObject({
      type: 'task.created',
      opportunityId: null,
      data: { task: { kind: 'webhook_failing' } },
    });
    expect(created.data).not.toHaveProperty('deal');
  });

  it('fan-out: one delivery per active subscription wanting the type; immediate email only for the immediate types', async () => {
    const all = await db.select().from(notificationEvents);
    expect(new Set(all.map((n) => n.type))).toEqual(new Set(WEBHOOK_EVENT_TYPES));
    const deliveries = await db.select().from(webhookDeliveries);
    for (const n of all) {
      const to = deliveries.filter((d) => d.notificationId === n.id).map((d) => d.subscriptionId);
      expect(to.sort()).toEqual((DEALS_ONLY.includes(n.type) ? [subs.all, subs.dealsOnly] : [subs.all]).sort());
    }
    expect(deliveries.every((d) => d.status === 'pending' && d.attempts === 0)).toBe(true);
    const emails = await db
      .select({ type: notificationEvents.type, userId: emailMessages.userId, actorId: notificationEvents.actorId })
      .from(emailMessages)
      .innerJoin(notificationEvents, eq(notificationEvents.id, emailMessages.notificationId));
    expect(new Set(emails.map((e) => e.type))).toEqual(new Set(IMMEDIATE_EMAIL_TYPES));
    expect(emails.filter((e) => e.userId === e.actorId)).toEqual([]);
    const never = [people.portal, people.opsDigest, people.opsOff, people.opsGone].map((p) => p.id);
    expect(emails.filter((e) => never.includes(e.userId))).toEqual([]);
  });

  it('Postgres tells the kickers after the commit: the subscription with deliveries waiting, and the email channel', async () => {
    const listener = new Client({ connectionString: url });
    await listener.connect();
    try {
      const heard: { channel: string; payload?: string }[] = [];
      listener.on('notification', (n) => heard.push({ channel: n.channel, payload: n.payload }));
      await listener.query('LISTEN nt1_webhook');
      await listener.query('LISTEN nt1_email');
      const settle = () => new Promise((resolve) => setTimeout(resolve, 300));

      let dealId = '';
      await db.transaction(async (tx) => {
        dealId = (await newOpportunity(tx as unknown as Db, { ownerId: people.rep.id })).id;
        await settle();
        expect(heard).toEqual([]);
      });
      await until(() => heard.length >= 2);
      expect(heard.map((h) => h.payload).sort()).toEqual([subs.all, subs.dealsOnly].sort());
      expect(heard.every((h) => h.channel === 'nt1_webhook')).toBe(true);

      heard.length = 0;
      await deals.ensureTask({
        key: `${dealId}:listen`,
        opportunityId: dealId,
        kind: 'follow_up',
        title: 'Listen',
        ownerId: people.rep2.id,
        dueAt: inDays(1),
      });
      await until(() => heard.some((h) => h.channel === 'nt1_email'));
      expect(heard).toEqual(
        expect.arrayContaining([
          { channel: 'nt1_email', payload: '' },
          { channel: 'nt1_webhook', payload: subs.all },
        ]),
      );

      // A subscription switched on again with deliveries waiting is woken; one with none is not.
      heard.length = 0;
      const [pending] = await db
        .select()
        .from(webhookDeliveries)
        .where(eq(webhookDeliveries.subscriptionId, subs.all))
        .limit(1);
      await db.update(webhookSubscriptions).set({ active: false }).where(eq(webhookSubscriptions.id, subs.all));
      await db.update(webhookSubscriptions).set({ active: true }).where(eq(webhookSubscriptions.id, subs.all));
      await until(() => heard.length >= 1);
      expect(heard).toEqual([{ channel: 'nt1_webhook', payload: subs.all }]);
      const idle = await subscription('nothing waiting', ['task.overdue'], false);
      heard.length = 0;
      await db.update(webhookSubscriptions).set({ active: true }).where(eq(webhookSubscriptions.id, idle));
      // A delivery sent again (back to pending) wakes its subscription.
      await db.update(webhookDeliveries).set({ status: 'failed' }).where(eq(webhookDeliveries.id, pending.id));
      await db.update(webhookDeliveries).set({ status: 'pending' }).where(eq(webhookDeliveries.id, pending.id));
      await until(() => heard.length >= 1);
      await settle();
      expect(heard).toEqual([{ channel: 'nt1_webhook', payload: subs.all }]);
    } finally {
      await listener.end();
    }
  });
});

/** The payload the deal's log holds for its last event of this type. */
async function loggedPayload(deal: Deal, eventType: string): Promise<unknown> {
  const rows = await db
    .select({ payload: opportunityEvents.payload, type: opportunityEvents.eventType })
    .from(opportunityEvents)
    .where(eq(opportunityEvents.opportunityId, deal.id))
    .orderBy(asc(opportunityEvents.position));
  return rows.filter((row) => row.type === eventType).pop()?.payload;
}

const nextActionOf = (user: UserRow) => ({ description: 'Rework the pricing', dueAt: inDays(2), ownerId: user.id });

async function until(done: () => boolean, timeoutMs = 5_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > end) throw new Error('timed out waiting for a notification');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
