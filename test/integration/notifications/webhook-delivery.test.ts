/**
 * NT1 through the real stack: deals moved over HTTP, the workflow's writes, the triggers, the
 * worker's kicker, the dispatcher workflows and a real HTTP receiver on 127.0.0.1 (allowed by
 * WEBHOOK_ALLOWED_HOSTS). Signatures are checked by the `standardwebhooks` package.
 * Every stack that delivers notifications lives in this file, one after another: stacks share
 * the database, and a dispatcher follows whichever worker woke it first.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { freePort } from '../../../infra/ports';
import { WEBHOOK_EVENT_TYPES } from '../../../machines/opportunity/notifications';
import { inSeconds, nextAction } from '../../../fixtures/deal-events';
import { httpHappyPath, INTERNAL, sendSteps, walk, type Api } from '../../support/api-deal';
import { killWorker, spawnWorker, type WorkerChild } from '../../support/fault-harness';
import { httpClient } from '../../support/http';
import { eventually, sleep } from '../../support/kit';
import { aboutDeals, subscribe, unsubscribe, verified, type Subscription } from '../../support/notify-kit';
import { decodeQuotedPrintable, startSmtpSink, type SmtpSink } from '../../support/smtp-sink';
import { startTestStack, type TestStack } from '../../support/stack';
import { startWebhookReceiver, type WebhookReceiver } from '../../support/webhook-receiver';

jest.setTimeout(240_000);

const DELIVERY_CONFIG = {
  WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
  NOTIFY_RESCAN_SECONDS: 1,
  WEBHOOK_RETRY_INITIAL_SECONDS: 1,
  WEBHOOK_RETRY_MAX_INTERVAL_SECONDS: 4,
  WEBHOOK_RETRY_WINDOW_SECONDS: 120,
  WEBHOOK_ATTEMPT_TIMEOUT_SECONDS: 5,
};

interface People {
  admin: Api;
  rep: Api;
  ops: Api;
  repId: string;
  opsId: string;
}

async function peopleOf(stack: TestStack): Promise<People> {
  const rep = await stack.user('rep');
  const ops = await stack.user('ops');
  return {
    admin: httpClient(stack.baseUrl, stack.adminToken),
    rep: httpClient(stack.baseUrl, rep.token),
    ops: httpClient(stack.baseUrl, ops.token),
    repId: rep.id,
    opsId: ops.id,
  };
}

async function newDeal(people: People, company = `Acme ${randomUUID().slice(0, 6)}`): Promise<string> {
  const created = await people.rep.post('/v1/opportunities', { title: 'Call tracking', company });
  expect(created.status).toBe(201);
  return created.body.id;
}

/** The happy path's contract steps with the connector's access still `requested`: the handoff will wait. */
function contractWaitingForAccess(repId: string) {
  return httpHappyPath(repId).contract.map((step) =>
    step.body.type === 'RECORD_CONNECTOR_ACCOUNT' ? { ...step, body: { ...step.body, access: 'requested' } } : step,
  );
}

describe('webhooks: every event type, signed, once', () => {
  let stack: TestStack;
  let people: People;
  let receiver: WebhookReceiver;
  let internalReceiver: WebhookReceiver;
  let plain: Subscription;
  let internal: Subscription;
  const deals: string[] = [];

  beforeAll(async () => {
    stack = await startTestStack({ notify: true, config: DELIVERY_CONFIG });
    people = await peopleOf(stack);
    receiver = await startWebhookReceiver();
    internalReceiver = await startWebhookReceiver();
    plain = await subscribe(people.admin, receiver.url, { name: 'Plain receiver' });
    internal = await subscribe(people.admin, internalReceiver.url, { name: 'Internal receiver', internal: true });
  });
  afterAll(async () => {
    if (people) for (const s of [plain, internal]) if (s) await unsubscribe(people.admin, s);
    await receiver?.close();
    await internalReceiver?.close();
    await stack?.stop();
  });

  it('[NT1] a deal walked to handed off, a lost one, a blocked handoff and tasks by hand deliver all 15 types, each id once, each signature valid', async () => {
    // Won and handed off: created, stage changes, proposal submitted/approved/sent/viewed, won, handed off.
    const won = await newDeal(people);
    deals.push(won);
    const sent = await walk(people, won, people.repId, 'lead', 'sent');
    expect((await httpClient(stack.baseUrl).get(sent.body.proposalLink.url)).status).toBe(200);
    await walk(people, won, people.repId, 'sent', 'won');
    await eventually(async () =>
      (await people.rep.get(`/v1/opportunities/${won}`)).body.stage === 'handed_off' ? true : undefined,
    );

    // Paused (consent withdrawn), overdue (a next action due in a second), then lost.
    const lost = await newDeal(people);
    deals.push(lost);
    await walk(people, lost, people.repId, 'lead', 'qualified');
    await sendSteps(people, lost, [
      { as: 'rep', body: { type: 'SET_NEXT_ACTION', nextAction: nextAction(people.repId, { dueInSeconds: 1 }) } },
    ]);
    await eventually(async () => ((await people.rep.get(`/v1/opportunities/${lost}`)).body.overdue ? true : undefined));
    await sendSteps(people, lost, [{ as: 'rep', body: { type: 'RECORD_CONSENT', consent: 'withdrawn' } }]);
    await sendSteps(people, lost, [
      {
        as: 'rep',
        body: {
          type: 'MARK_LOST',
          reason: 'budget',
          detail: 'Budget moved to next year',
          reactivateAt: inSeconds(90 * 86_400),
        },
      },
    ]);

    // A handoff waiting for connector access.
    const blocked = await newDeal(people);
    deals.push(blocked);
    await walk(people, blocked, people.repId, 'lead', 'contract');
    await sendSteps(people, blocked, contractWaitingForAccess(people.repId));

    // Tasks by hand: made, given to ops' person, and overdue.
    const task = await people.rep.post(`/v1/opportunities/${blocked}/tasks`, {
      title: 'Send the case study',
      ownerId: people.repId,
      dueAt: inSeconds(2),
    });
    expect(task.status).toBe(201);
    expect((await people.rep.post(`/v1/tasks/${task.body.id}/assign`, { ownerId: people.opsId })).status).toBe(200);

    const seen = () => new Set(aboutDeals(verified(receiver.received, plain.secret), deals).map((d) => d.type));
    const taskOverdue = () =>
      aboutDeals(verified(receiver.received, plain.secret), deals).some(
        (d) => d.type === 'task.overdue' && d.body.data.task.id === task.body.id,
      );
    await receiver.waitFor(
      () => seen().size === WEBHOOK_EVENT_TYPES.length && taskOverdue(),
      120_000,
      `all 15 types (seen ${[...seen()].join(', ')})`,
    );
    const delivered = aboutDeals(verified(receiver.received, plain.secret), deals);
    expect([...seen()].sort()).toEqual([...WEBHOOK_EVENT_TYPES].sort());

    // Each message once (the receiver always answered 200), each with the Standard Webhooks headers.
    const ids = delivered.map((d) => d.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const d of delivered) {
      expect(d.id).toMatch(/^msg_[0-9a-f-]{36}$/);
      expect(Number(d.headers['webhook-timestamp'])).toBeGreaterThan(Date.now() / 1000 - 600);
      expect(d.body.version).toBe(1);
      expect(d.body.data.deal.owner).toEqual({ id: people.repId, name: 'Test rep' });
      expect(d.body.data.links.deal).toMatch(new RegExp(`/v1/opportunities/${d.dealId}$`));
    }
    const byType = (type: string) => delivered.filter((d) => d.type === type);
    expect(
      byType('deal.created')
        .map((d) => d.dealId)
        .sort(),
    ).toEqual([...deals].sort());
    expect(
      byType('deal.won')
        .map((d) => d.dealId)
        .sort(),
    ).toEqual([won, blocked].sort());
    expect(byType('deal.handed_off').map((d) => d.dealId)).toEqual([won]);
    expect(byType('deal.lost').map((d) => [d.dealId, d.body.data.lostReason])).toEqual([[lost, 'budget']]);
    expect(byType('handoff.blocked').map((d) => d.dealId)).toEqual([blocked]);
    expect(byType('handoff.blocked')[0].body.data.blockers.map((b: any) => b.code)).toContain('connector_access');
    expect(byType('task.assigned').map((d) => d.body.data.task.id)).toEqual([task.body.id]);
    expect(byType('task.assigned')[0].body.data.task.owner).toEqual({ id: people.opsId, name: 'Test ops' });
    expect(byType('task.overdue').map((d) => d.body.data.task.id)).toContain(task.body.id);
    const stageChanges = byType('deal.stage_changed').filter((d) => d.dealId === won);
    expect(stageChanges.map((d) => d.body.data.deal.stage)).toEqual([
      'qualified',
      'discovery',
      'audit',
      'proposal',
      'approval',
      'sent',
      'contract',
      'won',
      'handed_off',
    ]);

    // K1: no client-internal text to a subscription that is not internal.
    for (const d of delivered) {
      for (const secret of Object.values(INTERNAL)) expect(d.raw).not.toContain(secret);
      expect(d.body.data).not.toHaveProperty('internal');
    }
    // The internal subscription got the same messages (same ids), with the raw event where there is one.
    await internalReceiver.waitFor(
      (got) => aboutDeals(verified(got, internal.secret), deals).length >= delivered.length,
      60_000,
      'the internal subscription to catch up',
    );
    const internalDelivered = aboutDeals(verified(internalReceiver.received, internal.secret), deals);
    expect(new Set(internalDelivered.map((d) => d.id))).toEqual(new Set(ids));
    const viewed = internalDelivered.find((d) => d.type === 'proposal.viewed');
    expect(viewed?.body.data.internal).toMatchObject({ type: 'RECORD_VIEW' });

    // The delivery log through the API: every one succeeded on its first attempt, with a status and latency.
    const log = await people.admin.get(`/v1/webhooks/${plain.id}/deliveries?limit=100&status=succeeded`);
    expect(log.status).toBe(200);
    const ours = log.body.items.filter((item: any) => deals.includes(item.dealId));
    expect(ours.length).toBeGreaterThan(0);
    for (const item of ours) expect([item.status, item.attempts, item.lastStatusCode]).toEqual(['succeeded', 1, 200]);
  });

  it('[NT1] the documented example receiver verifies a real delivery with the Standard Webhooks library', async () => {
    const port = await freePort();
    const subscription = await subscribe(people.admin, `http://127.0.0.1:${port}/`, {
      eventTypes: ['deal.created'],
      name: 'Example receiver',
    });
    const example = spawn(process.execPath, ['--import', 'tsx', 'examples/webhook-receiver.ts'], {
      cwd: path.resolve(__dirname, '../../..'),
      env: { ...process.env, WEBHOOK_SECRET: subscription.secret, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    example.stdout!.on('data', (chunk) => (output += chunk));
    example.stderr!.on('data', (chunk) => (output += chunk));
    try {
      await eventually(async () => (output.includes('listening') ? true : undefined), 20_000);
      const company = `Example ${randomUUID().slice(0, 6)}`;
      await newDeal(people, company);
      await eventually(async () => (output.includes(`deal.created ${company} (lead)`) ? true : undefined), 30_000);
    } finally {
      example.kill();
      await unsubscribe(people.admin, subscription);
    }
  });

  it('[NT1] a receiver answering 500 gets the same webhook-id again until it answers 200; the log shows each attempt', async () => {
    const flaky = await startWebhookReceiver();
    const subscription = await subscribe(people.admin, flaky.url, { eventTypes: ['deal.created'], name: 'Flaky' });
    try {
      flaky.answerWith(500);
      const deal = await newDeal(people);
      const ofDeal = () => aboutDeals(verified(flaky.received, subscription.secret), [deal]);
      await flaky.waitFor(() => ofDeal().length >= 2, 30_000, 'two failed attempts');
      flaky.answerWith(200);
      await flaky.waitFor(() => flaky.received.some((r) => r.answered === 200 && ofDeal().length > 0), 30_000, 'a 200');
      const attempts = ofDeal();
      expect(new Set(attempts.map((a) => a.id)).size).toBe(1);
      expect(attempts.map((a) => a.type)).toEqual(attempts.map(() => 'deal.created'));
      const log = await people.admin.get(`/v1/webhooks/${subscription.id}/deliveries?limit=100`);
      const delivery = log.body.items.find((item: any) => item.dealId === deal);
      expect(delivery).toMatchObject({ status: 'succeeded', lastStatusCode: 200, webhookId: attempts[0].id });
      const detail = await people.admin.get(`/v1/webhook-deliveries/${delivery.id}`);
      const codes = detail.body.attemptLog.map((a: any) => a.statusCode);
      expect(codes.slice(0, -1).every((c: number) => c === 500)).toBe(true);
      expect(codes.at(-1)).toBe(200);
      expect(detail.body.attemptLog[0].nextAttemptAt).toEqual(expect.any(String));
      expect(detail.body.attemptLog[0].responseExcerpt).toBe('answered 500');
    } finally {
      await unsubscribe(people.admin, subscription);
      await flaky.close();
    }
  });

  it('[NT1] a receiver down for 30 s gets the message when it is back, with the same webhook-id', async () => {
    const away = await startWebhookReceiver();
    const subscription = await subscribe(people.admin, away.url, { eventTypes: ['deal.created'], name: 'Away' });
    try {
      await away.down();
      const deal = await newDeal(people);
      await sleep(30_000);
      const during = await people.admin.get(`/v1/webhooks/${subscription.id}/deliveries?limit=100`);
      const pending = during.body.items.find((item: any) => item.dealId === deal);
      expect(pending.status).toBe('pending');
      expect(pending.attempts).toBeGreaterThanOrEqual(3);
      expect(pending.lastError).toMatch(/ECONNREFUSED/);
      await away.up();
      await away.waitFor(
        () => aboutDeals(verified(away.received, subscription.secret), [deal]).length === 1,
        30_000,
        'the message after the receiver came back',
      );
      const after = await people.admin.get(`/v1/webhook-deliveries/${pending.id}`);
      expect(after.body.status).toBe('succeeded');
      expect(aboutDeals(verified(away.received, subscription.secret), [deal])[0].id).toBe(pending.webhookId);
    } finally {
      await unsubscribe(people.admin, subscription);
      await away.close();
    }
  });
});

describe('webhooks: a subscription that keeps failing', () => {
  let stack: TestStack;
  let people: People;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    stack = await startTestStack({ notify: true, config: { ...DELIVERY_CONFIG, WEBHOOK_RETRY_WINDOW_SECONDS: 6 } });
    people = await peopleOf(stack);
    receiver = await startWebhookReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
    await stack?.stop();
  });

  it('[NT1] is disabled with its reason and an ops task when a delivery fails for its whole retry window; turned on again, a redelivery carries the same id', async () => {
    receiver.answerWith(503);
    const subscription = await subscribe(people.admin, receiver.url, {
      eventTypes: ['deal.created'],
      name: 'Broken CRM',
    });
    try {
      const deal = await newDeal(people);
      const disabled = await eventually(async () => {
        const s = (await people.admin.get(`/v1/webhooks/${subscription.id}`)).body;
        return s.active === false ? s : undefined;
      }, 60_000);
      expect(disabled.disabledReason).toMatch(/HTTP 503/);
      const log = await people.admin.get(`/v1/webhooks/${subscription.id}/deliveries?limit=100`);
      const failed = log.body.items.find((item: any) => item.dealId === deal);
      expect(failed).toMatchObject({ status: 'failed', lastStatusCode: 503 });
      expect(failed.attempts).toBeGreaterThanOrEqual(2);

      const queue = await people.ops.get('/v1/tasks?queue=ops&kind=webhook_failing&limit=100');
      const tasks = queue.body.items.filter((t: any) => t.kind === 'webhook_failing' && t.title.includes('Broken CRM'));
      expect(tasks).toHaveLength(1);
      expect(tasks[0].status).toBe('open');

      // Fixed and turned on again: the failed delivery goes out once more, as the same message.
      receiver.answerWith(200);
      expect((await people.admin.patch(`/v1/webhooks/${subscription.id}`, { active: true })).status).toBe(200);
      expect((await people.admin.post(`/v1/webhook-deliveries/${failed.id}/redeliver`, {})).status).toBe(202);
      await receiver.waitFor((got) => got.some((r) => r.answered === 200), 30_000, 'the redelivery');
      const got = aboutDeals(verified(receiver.received, subscription.secret), [deal]);
      expect(new Set(got.map((g) => g.id))).toEqual(new Set([failed.webhookId]));
      const after = await people.admin.get(`/v1/webhook-deliveries/${failed.id}`);
      expect(after.body.status).toBe('succeeded');
    } finally {
      await unsubscribe(people.admin, subscription);
    }
  });
});

describe('webhooks: a worker killed while deliveries are in flight', () => {
  let stack: TestStack;
  let people: People;
  let receiver: WebhookReceiver;
  const workers: WorkerChild[] = [];

  beforeAll(async () => {
    stack = await startTestStack({ worker: false, notify: false, config: DELIVERY_CONFIG });
    people = await peopleOf(stack);
    receiver = await startWebhookReceiver();
  });
  afterAll(async () => {
    for (const worker of workers) await killWorker(worker);
    await receiver?.close();
    await stack?.stop();
  });

  const spawnDeliveringWorker = async () => {
    const env = Object.fromEntries(Object.entries(DELIVERY_CONFIG).map(([k, v]) => [k, String(v)]));
    const worker = spawnWorker(stack.taskQueue, { ...env, NOTIFY: '1' });
    workers.push(worker);
    await worker.ready;
    return worker;
  };

  it('[NT1] SIGKILL mid-delivery loses nothing: every message arrives, with one id per message', async () => {
    receiver.delayMs(400);
    const subscription = await subscribe(people.admin, receiver.url, {
      eventTypes: ['deal.created'],
      name: 'Slow receiver',
      maxConcurrency: 4,
    });
    try {
      const first = await spawnDeliveringWorker();
      const deals = await Promise.all(Array.from({ length: 24 }, () => newDeal(people)));
      const ofDeals = () => aboutDeals(verified(receiver.received, subscription.secret), deals);
      await receiver.waitFor(() => ofDeals().length >= 4, 60_000, 'the first deliveries');
      await killWorker(first);
      expect(ofDeals().length).toBeLessThan(deals.length);
      await spawnDeliveringWorker();
      await receiver.waitFor(
        () => new Set(ofDeals().map((d) => d.dealId)).size === deals.length,
        120_000,
        'every deal.created after the restart',
      );
      // The attempts cut off by the kill are tried again once their timeout passes: every row ends succeeded.
      const statusOf = async () =>
        (
          await stack.db.$client.query(
            `select d.status, count(*)::int as n from webhook_deliveries d
               join notification_events e on e.id = d.notification_id
              where d.subscription_id = $1 and e.opportunity_id = any($2) group by d.status`,
            [subscription.id, deals],
          )
        ).rows;
      await eventually(async () => {
        const rows = await statusOf();
        return rows.length === 1 && rows[0].status === 'succeeded' ? rows : undefined;
      }, 90_000);
      expect(await statusOf()).toEqual([{ status: 'succeeded', n: deals.length }]);
      // At least once: a message cut off by the kill may come twice, always with its one id.
      const idsByDeal = new Map<string, Set<string>>();
      for (const d of ofDeals()) idsByDeal.set(d.dealId!, (idsByDeal.get(d.dealId!) ?? new Set()).add(d.id));
      expect(idsByDeal.size).toBe(deals.length);
      expect([...idsByDeal.values()].every((ids) => ids.size === 1)).toBe(true);
    } finally {
      await unsubscribe(people.admin, subscription);
    }
  });
});

describe('email: immediate mails and the daily digest over a real SMTP server', () => {
  let stack: TestStack;
  let people: People;
  let smtp: SmtpSink;

  beforeAll(async () => {
    smtp = await startSmtpSink();
    stack = await startTestStack({
      notify: true,
      config: { ...DELIVERY_CONFIG, SMTP_URL: smtp.url, EMAIL_FROM: 'Pipeline <pipeline@agency.test>' },
    });
    people = await peopleOf(stack);
  });
  afterAll(async () => {
    await stack?.stop();
    await smtp?.close();
  });

  /** A person of `role` with an email preference, their address and an API client. */
  async function person(role: 'ops' | 'rep', preference: 'immediate' | 'digest' | 'off') {
    const user = await stack.user(role);
    const api = httpClient(stack.baseUrl, user.token);
    expect((await api.put('/v1/users/me/notification-preferences', { email: preference })).status).toBe(200);
    const email = (await stack.db.$client.query('select email from users where id = $1', [user.id])).rows[0].email;
    return { ...user, api, email: email as string };
  }
  /** The mails to `address`, their quoted-printable text decoded. */
  const mailsTo = (address: string) =>
    smtp.mails.filter((m) => m.to.includes(address)).map((m) => ({ ...m, raw: decodeQuotedPrintable(m.raw) }));

  it('[NT1] approvals waiting, client views and tasks given reach the right people at once, by their preference, with no client-internal text', async () => {
    const eager = await person('ops', 'immediate');
    const digestOnly = await person('ops', 'digest');
    const silent = await person('ops', 'off');
    const repEmail = (await stack.db.$client.query('select email from users where id = $1', [people.repId])).rows[0]
      .email as string;

    const deal = await newDeal(people, `Mailwise ${randomUUID().slice(0, 6)}`);
    await walk(people, deal, people.repId, 'lead', 'approval');
    await eventually(async () => (mailsTo(eager.email).some((m) => /approv/i.test(m.raw)) ? true : undefined), 60_000);
    const sent = await walk(people, deal, people.repId, 'approval', 'sent');
    expect((await httpClient(stack.baseUrl).get(sent.body.proposalLink.url)).status).toBe(200);
    await eventually(async () => (mailsTo(repEmail).some((m) => /view/i.test(m.raw)) ? true : undefined), 60_000);
    const task = await people.rep.post(`/v1/opportunities/${deal}/tasks`, {
      title: 'Prepare the kickoff deck',
      ownerId: digestOnly.id,
      dueAt: inSeconds(600),
    });
    expect(task.status).toBe(201);
    const given = await people.rep.post(`/v1/tasks/${task.body.id}/assign`, { ownerId: eager.id });
    expect(given.status).toBe(200);
    await eventually(
      async () => (mailsTo(eager.email).some((m) => m.raw.includes('Prepare the kickoff deck')) ? true : undefined),
      60_000,
    );

    // Preferences: digest-only and off people got nothing at once; nobody got client-internal text.
    await sleep(2_000);
    expect(mailsTo(digestOnly.email)).toEqual([]);
    expect(mailsTo(silent.email)).toEqual([]);
    for (const mail of [...mailsTo(eager.email), ...mailsTo(repEmail)]) {
      for (const secret of Object.values(INTERNAL)) expect(mail.raw).not.toContain(secret);
      expect(mail.from).toBe('pipeline@agency.test');
    }
    // The mail names the deal's company, not only ids.
    expect(mailsTo(eager.email).some((m) => m.raw.includes('Mailwise'))).toBe(true);

    // The daily digest: the digest-only person hears of the task now theirs again.
    expect((await people.rep.post(`/v1/tasks/${task.body.id}/assign`, { ownerId: digestOnly.id })).status).toBe(200);
    // The digest of the day the task is due on (the run may be minutes before midnight UTC).
    const today = new Date(Date.now() + 600_000).toISOString().slice(0, 10);
    await stack.temporal.workflow.execute('emailDigestWorkflow', {
      taskQueue: stack.taskQueue,
      workflowId: `digest-test-${randomUUID()}`,
      args: [{ date: today }],
    });
    await eventually(async () => (mailsTo(digestOnly.email).length > 0 ? true : undefined), 60_000);
    const digest = mailsTo(digestOnly.email);
    expect(digest).toHaveLength(1);
    expect(digest[0].raw).toContain('Prepare the kickoff deck');
    for (const secret of Object.values(INTERNAL)) expect(digest[0].raw).not.toContain(secret);
    expect(mailsTo(silent.email)).toEqual([]);
  });
});
