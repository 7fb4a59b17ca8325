import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { WEBHOOK_EVENT_TYPES } from '../../../machines/opportunity/notifications';
import { ensureClient } from '../../../db/queries/handoff';
import type { ApiServerHandle } from '../../../infra/api-server';
import { secretBoxOf, webhookApiConfig } from '../../../infra/notify-config';
import { httpClient, type HttpResponse } from '../../support/http';
import { propertyRuns } from '../../support/kit';
import { startTestStack, testConfig, type TestStack } from '../../support/stack';

/*
 * NT1 webhook subscriptions, their delivery log, redelivery and email preferences, through HTTP on
 * the real stack. This stack runs no notification kicker, so nothing here delivers: the delivery
 * rows the log tests read are written with SQL. Every file's stack shares the database, so the
 * subscriptions made here are inactive unless a test needs one on, and all are deleted at the end
 * (an active one would be sent the other files' events by the files that do deliver).
 */

let stack: TestStack;
/** An API whose URL policy allows 127.0.0.1 (WEBHOOK_ALLOWED_HOSTS=127.0.0.1); the stack's own allows nothing. */
let allowing: ApiServerHandle;
let adminId: string;
/** The admins this file creates subscriptions as: their subscriptions are deleted at the end. */
const admins: string[] = [];
let admin: ReturnType<typeof httpClient>;
let adminAllowing: ReturnType<typeof httpClient>;
let strangers: Record<'rep' | 'ops' | 'portal', ReturnType<typeof httpClient>>;
const box = secretBoxOf(testConfig());
const OVERLAP_SECONDS = webhookApiConfig(testConfig()).secretOverlapSeconds;

beforeAll(async () => {
  stack = await startTestStack();
  allowing = await stack.startApi({
    webhooks: { ...webhookApiConfig(testConfig()), urlPolicy: { allowedHosts: ['127.0.0.1'] } },
  });
  const me = await stack.user('admin');
  adminId = me.id;
  admins.push(me.id);
  admin = httpClient(stack.baseUrl, me.token);
  adminAllowing = httpClient(allowing.url, me.token);
  const [rep, ops] = [await stack.user('rep'), await stack.user('ops')];
  const deal = await aDeal();
  const client = await ensureClient(stack.db, { key: `webhooks-client-${deal}`, opportunityId: deal, name: 'Hook Co' });
  const portal = await stack.user('portal', client.id);
  strangers = {
    rep: httpClient(stack.baseUrl, rep.token),
    ops: httpClient(stack.baseUrl, ops.token),
    portal: httpClient(stack.baseUrl, portal.token),
  };
});
afterAll(async () => {
  if (stack) {
    await stack.db.$client.query(`DELETE FROM webhook_subscriptions WHERE created_by = ANY($1::text[])`, [admins]);
  }
  await allowing?.close();
  await stack?.stop();
});

const expectProblem = (answer: HttpResponse, status: number, code: string) => {
  expect([answer.status, answer.body?.code]).toEqual([status, code]);
  expect(answer.headers.get('content-type')).toContain('application/problem+json');
};

/** A receiver URL on 127.0.0.1 where nothing listens (nothing delivers in this file). */
const receiver = (path = 'hook') => `http://127.0.0.1:9/${path}/${randomUUID()}`;

/** A subscription made through the API, inactive unless `body` says otherwise. */
async function createWebhook(body: Record<string, unknown> = {}) {
  const created = await adminAllowing.post('/v1/webhooks', {
    name: 'Receiver',
    url: receiver(),
    eventTypes: ['deal.won', 'task.created'],
    active: false,
    ...body,
  });
  expect([created.status, created.body?.code]).toEqual([201, undefined]);
  return created.body as { subscription: any; secret: string };
}

const rowOf = async (id: string) =>
  (await stack.db.$client.query(`SELECT * FROM webhook_subscriptions WHERE id = $1`, [id])).rows[0];
const subscriptionsBy = async (userId: string) =>
  (await stack.db.$client.query(`SELECT count(*)::int AS n FROM webhook_subscriptions WHERE created_by = $1`, [userId]))
    .rows[0].n as number;

describe('webhook subscriptions', () => {
  it('[NT1] only an admin manages them: rep, ops and portal get 403 on every route and nothing is written', async () => {
    const { subscription } = await createWebhook();
    const before = await rowOf(subscription.id);
    const deliveryId = randomUUID();
    for (const [role, api] of Object.entries(strangers)) {
      const answers = [
        await api.post('/v1/webhooks', { name: 'Mine', url: receiver(), eventTypes: ['deal.won'] }),
        await api.get('/v1/webhooks'),
        await api.get(`/v1/webhooks/${subscription.id}`),
        await api.patch(`/v1/webhooks/${subscription.id}`, { name: 'Taken over', active: false }),
        await api.post(`/v1/webhooks/${subscription.id}/rotate-secret`),
        await api.get(`/v1/webhooks/${subscription.id}/deliveries`),
        await api.get(`/v1/webhook-deliveries/${deliveryId}`),
        await api.post(`/v1/webhook-deliveries/${deliveryId}/redeliver`),
        await api.delete(`/v1/webhooks/${subscription.id}`),
      ];
      expect([role, answers.map((a) => [a.status, a.body?.code])]).toEqual([
        role,
        answers.map(() => [403, 'forbidden']),
      ]);
    }
    expect(await rowOf(subscription.id)).toEqual(before);
    const rows = await stack.db.$client.query(
      `SELECT count(*)::int AS n FROM webhook_subscriptions WHERE name = 'Mine'`,
    );
    expect(rows.rows[0].n).toBe(0);
    // The event types are no secret for people who work deals; a portal user reads none.
    expect((await strangers.rep.get('/v1/webhook-event-types')).status).toBe(200);
    expect((await strangers.ops.get('/v1/webhook-event-types')).status).toBe(200);
    expectProblem(await strangers.portal.get('/v1/webhook-event-types'), 403, 'forbidden');
  });

  it('[NT1] the secret is shown once: the answer of the creation has it, no read does, a replay does not, the row holds it sealed', async () => {
    const key = `create-${randomUUID()}`;
    const body = { name: 'CRM sync', url: receiver(), eventTypes: ['deal.won', 'deal.lost'], maxConcurrency: 2 };
    const created = await adminAllowing.post('/v1/webhooks', body, { 'Idempotency-Key': key });
    expect(created.status).toBe(201);
    const { subscription, secret } = created.body;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.slice('whsec_'.length), 'base64')).toHaveLength(32);
    expect(created.headers.get('location')).toBe(`/v1/webhooks/${subscription.id}`);
    expect(subscription).toMatchObject({
      name: 'CRM sync',
      url: body.url,
      eventTypes: ['deal.won', 'deal.lost'],
      active: true,
      internal: false,
      maxConcurrency: 2,
      disabledReason: null,
      disabledAt: null,
      secretRotatedUntil: null,
      createdBy: { id: adminId, name: 'Test admin' },
      deliveries: { pending: 0, succeeded: 0, failed: 0, skipped: 0 },
    });

    const replay = await adminAllowing.post('/v1/webhooks', body, { 'Idempotency-Key': key });
    expect([replay.status, replay.headers.get('idempotent-replayed')]).toEqual([201, 'true']);
    expect(replay.body).toEqual({ subscription, secret: null });

    const read = await admin.get(`/v1/webhooks/${subscription.id}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(subscription);
    const listed = await admin.get('/v1/webhooks?limit=100');
    for (const text of [JSON.stringify(read.body), JSON.stringify(listed.body), JSON.stringify(replay.body)])
      expect(text).not.toContain(secret.slice('whsec_'.length));

    const row = await rowOf(subscription.id);
    expect(row.secret_encrypted).not.toContain(secret.slice('whsec_'.length));
    expect(box.open(row.secret_encrypted)).toBe(secret);
    expect(row.previous_secret_encrypted).toBeNull();
    const stored = await stack.db.$client.query(
      `SELECT count(*)::int AS n FROM idempotency_keys WHERE response::text LIKE '%' || $1 || '%'`,
      [secret.slice('whsec_'.length)],
    );
    expect(stored.rows[0].n).toBe(0);
    expect((await admin.patch(`/v1/webhooks/${subscription.id}`, { active: false })).status).toBe(200);
  });

  it('[NT1] rotating keeps two secrets for the overlap: the row opens to the new one and the previous one', async () => {
    const { subscription, secret: first } = await createWebhook();
    const rotated = await admin.post(`/v1/webhooks/${subscription.id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    const { secret: second, previousSecretValidUntil } = rotated.body;
    expect(second).toMatch(/^whsec_/);
    expect(second).not.toBe(first);
    const until = Date.parse(previousSecretValidUntil);
    expect(Math.abs(until - (Date.now() + OVERLAP_SECONDS * 1000))).toBeLessThan(60_000);

    const row = await rowOf(subscription.id);
    expect(box.open(row.secret_encrypted)).toBe(second);
    expect(box.open(row.previous_secret_encrypted)).toBe(first);
    expect(row.previous_secret_expires_at.toISOString()).toBe(previousSecretValidUntil);
    const read = await admin.get(`/v1/webhooks/${subscription.id}`);
    expect(read.body.secretRotatedUntil).toBe(previousSecretValidUntil);
    expect(JSON.stringify(read.body)).not.toContain(second.slice(6));

    // Again within the overlap: the oldest secret is dropped, the one before stays previous.
    const third = (await admin.post(`/v1/webhooks/${subscription.id}/rotate-secret`)).body.secret;
    const again = await rowOf(subscription.id);
    expect([box.open(again.secret_encrypted), box.open(again.previous_secret_encrypted)]).toEqual([third, second]);
    // An overlap that has ended is not shown.
    await stack.db.$client.query(
      `UPDATE webhook_subscriptions SET previous_secret_expires_at = now() - interval '1 second' WHERE id = $1`,
      [subscription.id],
    );
    expect((await admin.get(`/v1/webhooks/${subscription.id}`)).body.secretRotatedUntil).toBeNull();
    expectProblem(await admin.post(`/v1/webhooks/${randomUUID()}/rotate-secret`), 404, 'not_found');
  });

  it('[NT1] a URL that is not http(s), carries credentials or targets a private address is refused with the reason; nothing is written', async () => {
    const before = await subscriptionsBy(adminId);
    const refused: [string, RegExp][] = [
      ['file:///etc/passwd', /scheme file:/],
      ['ftp://example.com/hook', /scheme ftp:/],
      ['http://localhost:8080/hook', /localhost resolves to/],
      ['http://127.0.0.1:8080/hook', /127\.0\.0\.1/],
      ['http://169.254.169.254/latest/meta-data/', /169\.254\.169\.254/],
      ['http://[::1]:8080/hook', /::1/],
      ['http://10.0.0.1/hook', /10\.0\.0\.1/],
      ['http://user:pw@example.com/hook', /user name or password/],
      ['not a url', /not an absolute URL/],
    ];
    for (const [url, reason] of refused) {
      const answer = await admin.post('/v1/webhooks', { name: 'Refused', url, eventTypes: ['deal.won'] });
      expectProblem(answer, 422, 'webhook_url_refused');
      expect([url, answer.body.reason]).toEqual([url, expect.stringMatching(reason)]);
      expect(answer.body.errors).toEqual([{ field: 'url', message: answer.body.reason }]);
    }
    const long = `https://example.com/${'a'.repeat(2_049 - 'https://example.com/'.length)}`;
    expect(long).toHaveLength(2_049);
    const tooLong = await admin.post('/v1/webhooks', { name: 'Long', url: long, eventTypes: ['deal.won'] });
    expectProblem(tooLong, 422, 'invalid_request');
    expect(tooLong.body.errors.map((e: any) => e.field)).toEqual(['url']);
    expect(await subscriptionsBy(adminId)).toBe(before);

    // 127.0.0.1 is accepted where the configuration allows it, up to 2,048 characters.
    const local = `http://127.0.0.1:9/${'b'.repeat(2_048 - 'http://127.0.0.1:9/'.length)}`;
    const accepted = await adminAllowing.post('/v1/webhooks', { name: 'Local', url: local, eventTypes: ['deal.won'] });
    expect([accepted.status, accepted.body.subscription?.url]).toEqual([201, local]);
    // ... and still only 127.0.0.1: another private address stays refused there too.
    expectProblem(
      await adminAllowing.post('/v1/webhooks', { name: 'Other', url: 'http://10.0.0.1/', eventTypes: ['deal.won'] }),
      422,
      'webhook_url_refused',
    );
    // A PATCH checks a new URL the same way and leaves the subscription as it was.
    const row = await rowOf(accepted.body.subscription.id);
    expectProblem(
      await admin.patch(`/v1/webhooks/${accepted.body.subscription.id}`, { url: 'http://127.0.0.1/x', name: 'Moved' }),
      422,
      'webhook_url_refused',
    );
    expect(await rowOf(accepted.body.subscription.id)).toEqual(row);
    expect(await subscriptionsBy(adminId)).toBe(before + 1);
  });

  it('[NT1] bodies are checked field by field: event types known, non-empty and unique; concurrency 1 to 64', async () => {
    const before = await subscriptionsBy(adminId);
    const base = { name: 'Checked', url: receiver(), eventTypes: ['deal.won'] };
    const bad: [Record<string, unknown>, string][] = [
      [{ ...base, eventTypes: [] }, 'eventTypes'],
      [{ ...base, eventTypes: ['deal.won', 'deal.won'] }, 'eventTypes'],
      [{ ...base, eventTypes: ['deal.exploded'] }, 'eventTypes.0'],
      [{ ...base, maxConcurrency: 0 }, 'maxConcurrency'],
      [{ ...base, maxConcurrency: 65 }, 'maxConcurrency'],
      [{ ...base, maxConcurrency: 2.5 }, 'maxConcurrency'],
      [{ ...base, name: '  ' }, 'name'],
      [{ ...base, name: 'nul \u0000' }, 'name'],
      [{ ...base, url: 'http://127.0.0.1:9/\u0000' }, 'url'],
      [{ ...base, secret: 'whsec_mine' }, 'secret'],
      [{ name: 'No URL', eventTypes: ['deal.won'] }, 'url'],
    ];
    for (const [body, field] of bad) {
      const answer = await adminAllowing.post('/v1/webhooks', body);
      expectProblem(answer, 422, 'invalid_request');
      expect([JSON.stringify(body).slice(0, 80), answer.body.errors.map((e: any) => e.field)]).toEqual([
        JSON.stringify(body).slice(0, 80),
        expect.arrayContaining([field]),
      ]);
    }
    expect(await subscriptionsBy(adminId)).toBe(before);
    const all = await createWebhook({ eventTypes: [...WEBHOOK_EVENT_TYPES], internal: true, maxConcurrency: 64 });
    expect(all.subscription).toMatchObject({
      eventTypes: [...WEBHOOK_EVENT_TYPES],
      internal: true,
      maxConcurrency: 64,
    });
  });

  it('[NT1] PATCH changes only what it sends; turning a disabled subscription on clears why it was disabled', async () => {
    const { subscription } = await createWebhook();
    await stack.db.$client.query(
      `UPDATE webhook_subscriptions SET active = false, disabled_reason = 'deliveries kept failing for 24 h', disabled_at = now() WHERE id = $1`,
      [subscription.id],
    );
    const disabled = await admin.get(`/v1/webhooks/${subscription.id}`);
    expect(disabled.body).toMatchObject({ active: false, disabledReason: 'deliveries kept failing for 24 h' });
    expect(Date.parse(disabled.body.disabledAt)).toBeGreaterThan(Date.now() - 60_000);

    const renamed = await admin.patch(`/v1/webhooks/${subscription.id}`, { name: 'Renamed', maxConcurrency: 8 });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({
      name: 'Renamed',
      maxConcurrency: 8,
      url: subscription.url,
      eventTypes: subscription.eventTypes,
      active: false,
      disabledReason: 'deliveries kept failing for 24 h',
    });
    const enabled = await admin.patch(`/v1/webhooks/${subscription.id}`, {
      active: true,
      eventTypes: ['task.overdue'],
    });
    expect(enabled.status).toBe(200);
    expect(enabled.body).toMatchObject({
      active: true,
      disabledReason: null,
      disabledAt: null,
      eventTypes: ['task.overdue'],
    });
    const row = await rowOf(subscription.id);
    expect([row.active, row.disabled_reason, row.disabled_at]).toEqual([true, null, null]);
    expect(Date.parse(enabled.body.updatedAt)).toBeGreaterThanOrEqual(Date.parse(subscription.updatedAt));

    expectProblem(await admin.patch(`/v1/webhooks/${subscription.id}`, { eventTypes: [] }), 422, 'invalid_request');
    expectProblem(await admin.patch(`/v1/webhooks/${subscription.id}`, { secret: 'x' }), 422, 'invalid_request');
    expectProblem(await admin.patch(`/v1/webhooks/${randomUUID()}`, { name: 'Nobody' }), 404, 'not_found');
    expectProblem(await admin.patch('/v1/webhooks/not-a-uuid', { name: 'Nobody' }), 400, 'malformed_request');
    expect((await admin.get(`/v1/webhooks/${subscription.id}`)).body).toEqual(enabled.body);
    const off = await admin.patch(`/v1/webhooks/${subscription.id}`, { active: false });
    expect(off.body).toMatchObject({ active: false, disabledReason: null });
  });

  it('[NT1] lists page by id and filter on active; DELETE removes the subscription with its deliveries', async () => {
    const made = [await createWebhook({ active: true }), await createWebhook(), await createWebhook()];
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const page: HttpResponse = await admin.get(`/v1/webhooks?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      ids.push(...page.body.items.map((s: any) => s.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(ids).toEqual([...ids].sort());
    expect(ids).toEqual(expect.arrayContaining(made.map((m) => m.subscription.id)));
    const inactive = await admin.get('/v1/webhooks?active=false&limit=100');
    expect(inactive.body.items.every((s: any) => s.active === false)).toBe(true);
    expect(inactive.body.items.map((s: any) => s.id)).toEqual(
      expect.arrayContaining([made[1].subscription.id, made[2].subscription.id]),
    );
    const active = await admin.get('/v1/webhooks?active=true&limit=100');
    expect(active.body.items.every((s: any) => s.active === true)).toBe(true);
    expectProblem(await admin.get('/v1/webhooks?cursor=nonsense'), 400, 'malformed_request');

    const target = made[0].subscription.id;
    const [delivery] = await deliveries(target, [{ status: 'succeeded', attempts: 1 }]);
    const deleted = await admin.delete(`/v1/webhooks/${target}`);
    expect([deleted.status, deleted.body]).toEqual([204, undefined]);
    expectProblem(await admin.get(`/v1/webhooks/${target}`), 404, 'not_found');
    expectProblem(await admin.get(`/v1/webhook-deliveries/${delivery}`), 404, 'not_found');
    const left = await stack.db.$client.query(
      `SELECT (SELECT count(*)::int FROM webhook_deliveries WHERE subscription_id = $1) AS deliveries,
              (SELECT count(*)::int FROM webhook_attempts WHERE delivery_id = $2) AS attempts`,
      [target, delivery],
    );
    expect(left.rows[0]).toEqual({ deliveries: 0, attempts: 0 });
    expectProblem(await admin.delete(`/v1/webhooks/${target}`), 404, 'not_found');
  });
});

interface SeededDelivery {
  status: 'pending' | 'succeeded' | 'failed' | 'skipped';
  attempts: number;
  type?: string;
  createdSecondsAgo?: number;
}

let dealId: string | undefined;
/** A deal for the notifications to name. */
async function aDeal(): Promise<string> {
  if (dealId) return dealId;
  const created = await admin.post('/v1/opportunities', { title: 'Webhook log deal', company: 'Hook Co' });
  expect(created.status).toBe(201);
  dealId = created.body.id as string;
  return dealId;
}

/**
 * Writes notifications and one delivery of each to the subscription, with an attempt per
 * `attempts` (the first ones 500, a succeeded delivery's last one 204). Returns the delivery ids.
 */
async function deliveries(subscriptionId: string, seeds: SeededDelivery[]): Promise<string[]> {
  const deal = await aDeal();
  const ids: string[] = [];
  for (const seed of seeds) {
    const ago = seed.createdSecondsAgo ?? 0;
    const { rows } = await stack.db.$client.query(
      `WITH n AS (
         INSERT INTO notification_events (type, opportunity_id, data, occurred_at)
         VALUES ($2, $3, '{}'::jsonb, now() - make_interval(secs => $4::int)) RETURNING id)
       INSERT INTO webhook_deliveries (subscription_id, notification_id, status, attempts, last_status_code, last_latency_ms,
         last_error, next_attempt_at, first_attempt_at, completed_at, created_at)
       SELECT $1, n.id, $5::delivery_status, $6::int,
              CASE WHEN $6::int = 0 THEN NULL WHEN $5 = 'succeeded' THEN 204 ELSE 500 END,
              CASE WHEN $6::int = 0 THEN NULL ELSE 42 END,
              CASE WHEN $6::int = 0 OR $5 = 'succeeded' THEN NULL ELSE 'HTTP 500' END,
              CASE WHEN $5 = 'pending' AND $6::int > 0 THEN now() + interval '5 minutes' END,
              CASE WHEN $6::int = 0 THEN NULL ELSE now() - make_interval(secs => $4::int) END,
              CASE WHEN $5 IN ('succeeded', 'failed', 'skipped') THEN now() END,
              now() - make_interval(secs => $4::int)
       FROM n RETURNING id`,
      [subscriptionId, seed.type ?? 'deal.won', deal, ago, seed.status, seed.attempts],
    );
    const id = rows[0].id as string;
    for (let attempt = 1; attempt <= seed.attempts; attempt++) {
      const last = attempt === seed.attempts;
      const ok = last && seed.status === 'succeeded';
      await stack.db.$client.query(
        `INSERT INTO webhook_attempts (delivery_id, attempt, started_at, status_code, latency_ms, error, response_excerpt, next_attempt_at)
         VALUES ($1, $2, now() - make_interval(secs => $3::int), $4, $5, $6, $7, $8)`,
        [
          id,
          attempt,
          100 - attempt,
          ok ? 204 : 500,
          40 + attempt,
          ok ? null : 'HTTP 500',
          ok ? '' : `oops ${attempt}`,
          ok ? null : new Date(Date.now() + attempt * 60_000),
        ],
      );
    }
    ids.push(id);
  }
  return ids;
}

describe('the delivery log', () => {
  it('[NT1] lists a subscription’s deliveries newest first, by status, paged; a delivery reads with its attempts', async () => {
    const { subscription } = await createWebhook();
    const [oldest, failed, middle, newest] = await deliveries(subscription.id, [
      { status: 'succeeded', attempts: 1, createdSecondsAgo: 400 },
      { status: 'failed', attempts: 3, type: 'task.created', createdSecondsAgo: 300 },
      { status: 'skipped', attempts: 0, createdSecondsAgo: 200 },
      { status: 'pending', attempts: 2, createdSecondsAgo: 100 },
    ]);
    const all = await admin.get(`/v1/webhooks/${subscription.id}/deliveries`);
    expect(all.status).toBe(200);
    expect(all.body.items.map((d: any) => d.id)).toEqual([newest, middle, failed, oldest]);
    const notification = (
      await stack.db.$client.query(`SELECT notification_id FROM webhook_deliveries WHERE id = $1`, [failed])
    ).rows[0].notification_id;
    expect(all.body.items[2]).toEqual({
      id: failed,
      subscriptionId: subscription.id,
      webhookId: `msg_${notification}`,
      eventType: 'task.created',
      dealId: await aDeal(),
      status: 'failed',
      attempts: 3,
      lastStatusCode: 500,
      lastLatencyMs: 42,
      lastError: 'HTTP 500',
      nextAttemptAt: null,
      firstAttemptAt: expect.any(String),
      completedAt: expect.any(String),
      createdAt: expect.any(String),
    });
    expect(all.body.items[0]).toMatchObject({
      status: 'pending',
      nextAttemptAt: expect.any(String),
      completedAt: null,
    });

    const pendingOnly = await admin.get(`/v1/webhooks/${subscription.id}/deliveries?status=pending`);
    expect(pendingOnly.body.items.map((d: any) => d.id)).toEqual([newest]);
    const first = await admin.get(`/v1/webhooks/${subscription.id}/deliveries?limit=3`);
    const second = await admin.get(
      `/v1/webhooks/${subscription.id}/deliveries?limit=3&cursor=${first.body.nextCursor}`,
    );
    expect([...first.body.items, ...second.body.items].map((d: any) => d.id)).toEqual([newest, middle, failed, oldest]);
    expect(second.body.nextCursor).toBeNull();
    expectProblem(await admin.get(`/v1/webhooks/${subscription.id}/deliveries?status=lost`), 400, 'malformed_request');
    expectProblem(await admin.get(`/v1/webhooks/${randomUUID()}/deliveries`), 404, 'not_found');

    const counted = await admin.get(`/v1/webhooks/${subscription.id}`);
    expect(counted.body.deliveries).toEqual({ pending: 1, succeeded: 1, failed: 1, skipped: 1 });

    const detail = await admin.get(`/v1/webhook-deliveries/${failed}`);
    expect(detail.status).toBe(200);
    expect(detail.body).toMatchObject({ ...all.body.items[2], payloadVersion: 1, occurredAt: expect.any(String) });
    expect(detail.body.attemptLog).toEqual(
      [1, 2, 3].map((attempt) => ({
        attempt,
        startedAt: expect.any(String),
        statusCode: 500,
        latencyMs: 40 + attempt,
        error: 'HTTP 500',
        responseExcerpt: `oops ${attempt}`,
        nextAttemptAt: expect.any(String),
      })),
    );
    expect((await admin.get(`/v1/webhook-deliveries/${middle}`)).body.attemptLog).toEqual([]);
    expectProblem(await admin.get(`/v1/webhook-deliveries/${randomUUID()}`), 404, 'not_found');
  });

  it('[NT1] redeliver sets a finished delivery back to pending with the same webhook-id; pending or inactive answers 409', async () => {
    const { subscription } = await createWebhook({ active: true });
    const [failed, succeeded, pending] = await deliveries(subscription.id, [
      { status: 'failed', attempts: 2 },
      { status: 'succeeded', attempts: 1 },
      { status: 'pending', attempts: 1 },
    ]);
    const before = (await admin.get(`/v1/webhook-deliveries/${failed}`)).body;
    const again = await admin.post(`/v1/webhook-deliveries/${failed}/redeliver`);
    expect(again.status).toBe(202);
    expect(again.body).toMatchObject({
      id: failed,
      webhookId: before.webhookId,
      status: 'pending',
      nextAttemptAt: null,
      completedAt: null,
      attempts: 2,
    });
    const row = (await stack.db.$client.query(`SELECT * FROM webhook_deliveries WHERE id = $1`, [failed])).rows[0];
    expect([row.status, row.next_attempt_at, row.completed_at, row.attempts]).toEqual(['pending', null, null, 2]);
    // The log keeps its attempts.
    expect((await admin.get(`/v1/webhook-deliveries/${failed}`)).body.attemptLog).toHaveLength(2);

    expectProblem(await admin.post(`/v1/webhook-deliveries/${failed}/redeliver`), 409, 'delivery_pending');
    expectProblem(await admin.post(`/v1/webhook-deliveries/${pending}/redeliver`), 409, 'delivery_pending');
    expectProblem(await admin.post(`/v1/webhook-deliveries/${randomUUID()}/redeliver`), 404, 'not_found');

    expect((await admin.patch(`/v1/webhooks/${subscription.id}`, { active: false })).status).toBe(200);
    const inactive = await admin.post(`/v1/webhook-deliveries/${succeeded}/redeliver`);
    expectProblem(inactive, 409, 'subscription_inactive');
    expect(
      (await stack.db.$client.query(`SELECT status FROM webhook_deliveries WHERE id = $1`, [succeeded])).rows[0].status,
    ).toBe('succeeded');
    expect((await admin.patch(`/v1/webhooks/${subscription.id}`, { active: true })).status).toBe(200);
    expect((await admin.post(`/v1/webhook-deliveries/${succeeded}/redeliver`)).status).toBe(202);
    // A body with fields is refused like on every action route.
    expectProblem(
      await admin.post(`/v1/webhook-deliveries/${succeeded}/redeliver`, { force: true }),
      422,
      'invalid_request',
    );
    expect((await admin.delete(`/v1/webhooks/${subscription.id}`)).status).toBe(204);
  });

  it('[NT1] the event types are listed with what each means, and the OpenAPI document has a webhook per type', async () => {
    const types = await strangers.rep.get('/v1/webhook-event-types');
    expect(types.body.payloadVersion).toBe(1);
    expect(types.body.items.map((t: any) => t.type)).toEqual([...WEBHOOK_EVENT_TYPES]);
    expect(types.body.items).toHaveLength(15);
    for (const item of types.body.items) expect(item.description).toMatch(/^[A-Z].{10,}\.$/);
    const doc = (await httpClient(stack.baseUrl).get('/openapi.json')).body;
    expect(Object.keys(doc.webhooks).sort()).toEqual([...WEBHOOK_EVENT_TYPES].sort());
    expect(doc.webhooks['deal.won'].post.requestBody.content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/WebhookPayload',
    });
    expect(doc.components.schemas.WebhookPayload).toBeDefined();
  });
});

describe('email preferences', () => {
  it('[NT1] a person reads and sets their own; an admin sets anyone’s; portal users have none', async () => {
    const rep = await stack.user('rep');
    const repApi = httpClient(stack.baseUrl, rep.token);
    expect((await repApi.get('/v1/users/me/notification-preferences')).body).toEqual({
      userId: rep.id,
      email: 'immediate',
    });
    const set = await repApi.put('/v1/users/me/notification-preferences', { email: 'digest' });
    expect([set.status, set.body]).toEqual([200, { userId: rep.id, email: 'digest' }]);
    expect((await repApi.get('/v1/users/me/notification-preferences')).body.email).toBe('digest');
    const stored = await stack.db.$client.query(`SELECT email FROM notification_preferences WHERE user_id = $1`, [
      rep.id,
    ]);
    expect(stored.rows).toEqual([{ email: 'digest' }]);

    for (const body of [{ email: 'weekly' }, { email: null }, {}, { email: 'off', sms: 'on' }, { email: 'off\u0000' }])
      expectProblem(await repApi.put('/v1/users/me/notification-preferences', body), 422, 'invalid_request');
    expect((await repApi.get('/v1/users/me/notification-preferences')).body.email).toBe('digest');

    const byAdmin = await admin.put(`/v1/users/${rep.id}/notification-preferences`, { email: 'off' });
    expect([byAdmin.status, byAdmin.body]).toEqual([200, { userId: rep.id, email: 'off' }]);
    expect((await repApi.get('/v1/users/me/notification-preferences')).body.email).toBe('off');
    expect((await admin.get(`/v1/users/${rep.id}/notification-preferences`)).body.email).toBe('off');

    expectProblem(
      await repApi.put(`/v1/users/${rep.id}/notification-preferences`, { email: 'immediate' }),
      403,
      'forbidden',
    );
    expectProblem(
      await admin.put(`/v1/users/${randomUUID()}/notification-preferences`, { email: 'off' }),
      404,
      'not_found',
    );
    expectProblem(await strangers.portal.get('/v1/users/me/notification-preferences'), 403, 'forbidden');
    expectProblem(
      await strangers.portal.put('/v1/users/me/notification-preferences', { email: 'off' }),
      403,
      'forbidden',
    );
    const portalId = (
      await stack.db.$client.query(`SELECT id FROM users WHERE role = 'portal' ORDER BY created_at DESC LIMIT 1`)
    ).rows[0].id;
    expectProblem(
      await admin.put(`/v1/users/${portalId}/notification-preferences`, { email: 'off' }),
      422,
      'invalid_request',
    );
  });
});

/** Hostile values for a field: NUL, lone surrogates, controls, huge strings, nested objects, wrong types. */
const hostile = fc.oneof(
  fc.constantFrom(
    '\u0000',
    'a\ud800b',
    '\udc00',
    '\u001b[31m',
    'x'.repeat(100_000),
    '',
    ' ',
    null,
    true,
    -1,
    1e308,
    2 ** 53 + 1,
    [],
    {},
  ),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.jsonValue({ maxDepth: 6 }),
  fc.constantFrom('http://127.0.0.1/x', 'http://[::1]/', 'ftp://x/', 'http://10.0.0.1/', 'javascript:alert(1)'),
  fc.integer({ min: 30, max: 200 }).map((depth) => JSON.parse(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`)),
);
const plausible = {
  name: fc.oneof(fc.constant('Fuzzed'), hostile),
  url: fc.oneof(fc.constantFrom('http://127.0.0.1:9/fuzz', 'http://169.254.169.254/'), hostile),
  eventTypes: fc.oneof(
    fc.subarray([...WEBHOOK_EVENT_TYPES], { minLength: 1 }),
    fc.array(hostile, { maxLength: 3 }),
    hostile,
  ),
  internal: fc.oneof(fc.boolean(), hostile),
  maxConcurrency: fc.oneof(fc.integer({ min: -5, max: 70 }), hostile),
  active: fc.oneof(fc.boolean(), hostile),
};
const fuzzBody = fc.oneof(
  fc.record(plausible, { requiredKeys: [] }),
  fc
    .tuple(fc.record(plausible, { requiredKeys: [] }), fc.string({ maxLength: 20 }), hostile)
    .map(([body, key, value]) => ({
      ...body,
      [key]: value,
    })),
  hostile,
);

describe('hostile bodies', () => {
  it('[NT1] POST and PATCH never answer 5xx, and a refusal writes nothing', async () => {
    const fuzzer = await stack.user('admin');
    admins.push(fuzzer.id);
    const api = httpClient(stack.baseUrl, fuzzer.token);
    const target = (await createWebhook()).subscription.id;
    const statuses = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(fuzzBody, fc.boolean(), async (body, patch) => {
        const count = await subscriptionsBy(fuzzer.id);
        const row = await rowOf(target);
        const answer = patch ? await api.patch(`/v1/webhooks/${target}`, body) : await api.post('/v1/webhooks', body);
        const key = `${patch ? 'PATCH' : 'POST'} ${answer.status} ${answer.body?.code ?? ''}`;
        statuses.set(key, (statuses.get(key) ?? 0) + 1);
        const context = `${key} ${JSON.stringify(body)?.slice(0, 200)}`;
        expect([context, answer.status < 500]).toEqual([context, true]);
        if (answer.status >= 400) {
          expect([context, answer.headers.get('content-type')]).toEqual([
            context,
            expect.stringContaining('problem+json'),
          ]);
          expect([context, await subscriptionsBy(fuzzer.id), await rowOf(target)]).toEqual([context, count, row]);
        }
      }),
      { numRuns: propertyRuns(300), seed: 20_260_020 },
    );
    // No URL the stack's own policy accepts is drawn, so no creation may succeed.
    expect(await subscriptionsBy(fuzzer.id)).toBe(0);
    expect([...statuses.keys()].some((k) => k.startsWith('PATCH 200'))).toBe(true);
    expect([...statuses.keys()].some((k) => k.includes('webhook_url_refused'))).toBe(true);
  });
});
