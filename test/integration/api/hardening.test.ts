import { randomBytes, randomUUID } from 'node:crypto';
import { ensureClient } from '../../../db/queries/handoff';
import { startExtraApp } from '../../support/api-app';
import { httpClient, type HttpResponse } from '../../support/http';
import { startTestStack, type TestStack } from '../../support/stack';

/*
 * Hardening found by probing from outside: authenticated answers are never cached, guessing
 * tokens is throttled per client address, Prometheus metrics need a token, and the admin
 * preview of a client that does not exist is a 404.
 */

let stack: TestStack;
let rep: { id: string; token: string };
let ops: { id: string; token: string };
let dealId: string;
const extras: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  stack = await startTestStack();
  rep = await stack.user('rep');
  ops = await stack.user('ops');
  const created = await httpClient(stack.baseUrl, rep.token).post('/v1/opportunities', {
    title: 'Hardening',
    company: 'Probe Co',
  });
  expect(created.status).toBe(201);
  dealId = created.body.id;
});
afterAll(async () => {
  for (const extra of extras) await extra.close();
  await stack?.stop();
});

async function extraApp(config: Parameters<typeof startExtraApp>[1]) {
  const extra = await startExtraApp(stack, config);
  extras.push(extra);
  return extra;
}

const randomToken = () => `opp_${randomBytes(24).toString('base64url')}`;

describe('authenticated answers are not cached', () => {
  it('sends Cache-Control: no-store on every answer behind a token, errors included', async () => {
    const api = httpClient(stack.baseUrl, rep.token);
    const answers = {
      list: await api.get('/v1/opportunities'),
      read: await api.get(`/v1/opportunities/${dealId}`),
      timeline: await api.get(`/v1/opportunities/${dealId}/events`),
      tasks: await api.get('/v1/tasks'),
      refused: await api.post(`/v1/opportunities/${dealId}/events`, { type: 'QUALIFY' }),
      missing: await api.get(`/v1/opportunities/${randomUUID()}`),
      forbidden: await api.get('/v1/users'),
      noToken: await httpClient(stack.baseUrl).get('/v1/opportunities'),
      badToken: await httpClient(stack.baseUrl, randomToken()).get('/v1/opportunities'),
    };
    const seen = Object.fromEntries(
      Object.entries(answers).map(([name, answer]) => [name, [answer.status, answer.headers.get('cache-control')]]),
    );
    expect(seen).toEqual({
      list: [200, 'no-store'],
      read: [200, 'no-store'],
      timeline: [200, 'no-store'],
      tasks: [200, 'no-store'],
      refused: [409, 'no-store'],
      missing: [404, 'no-store'],
      forbidden: [403, 'no-store'],
      noToken: [401, 'no-store'],
      badToken: [401, 'no-store'],
    });
  });
});

describe('failed authentication is throttled per client address', () => {
  it('700 random tokens from one address: the first 20 (the default) answer 401, the rest 429 too_many_failed_logins with Retry-After', async () => {
    const extra = await extraApp({});
    const statuses: number[] = [];
    let limited: HttpResponse | undefined;
    // Ten at a time: each batch is answered before the next, so the count is exact.
    for (let batch = 0; batch < 70; batch += 1) {
      const answers = await Promise.all(
        Array.from({ length: 10 }, () => httpClient(extra.url, randomToken()).get('/v1/opportunities')),
      );
      statuses.push(...answers.map((a) => a.status));
      limited ??= answers.find((a) => a.status === 429);
    }
    expect(statuses.filter((s) => s === 401)).toHaveLength(20);
    expect(statuses.filter((s) => s === 429)).toHaveLength(680);
    expect(limited!.body.code).toBe('too_many_failed_logins');
    expect(limited!.headers.get('content-type')).toContain('application/problem+json');
    const retryAfter = Number(limited!.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // Locked out means locked out: even the right token learns nothing until the minute is over.
    const right = await httpClient(extra.url, rep.token).get('/v1/opportunities');
    expect(right.status).toBe(429);
    const metrics = await httpClient(extra.url, ops.token).get('/metrics');
    expect(metrics.status).toBe(429);
  });

  it('counts only failures: any number of valid requests from the address pass, and the limit is configurable', async () => {
    const extra = await extraApp({ authFailuresPerMinute: 3 });
    const valid = await Promise.all(
      Array.from({ length: 40 }, () => httpClient(extra.url, rep.token).get('/v1/opportunities')),
    );
    expect(valid.map((a) => a.status)).toEqual(Array(40).fill(200));
    // A request without a token guesses nothing: it is a 401 that does not count.
    for (let i = 0; i < 5; i += 1) expect((await httpClient(extra.url).get('/v1/opportunities')).status).toBe(401);
    const guesses: number[] = [];
    for (let i = 0; i < 5; i += 1) guesses.push((await httpClient(extra.url, randomToken()).get('/v1/tasks')).status);
    expect(guesses).toEqual([401, 401, 401, 429, 429]);
  });
});

describe('Prometheus metrics need a token', () => {
  it('answers /metrics to METRICS_TOKEN and to admin or ops tokens only', async () => {
    const metricsToken = randomBytes(24).toString('hex');
    const extra = await extraApp({ metricsToken });
    const scrape = (token?: string) => httpClient(extra.url, token).get<string>('/metrics');
    const anonymous = await scrape();
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toMatchObject({ code: 'unauthorized' });
    expect(JSON.stringify(anonymous.body)).not.toContain('http_requests_total');
    expect((await scrape(rep.token)).status).toBe(403);
    expect((await scrape(`${metricsToken}x`)).status).toBe(401);
    for (const token of [metricsToken, ops.token, stack.adminToken]) {
      const answer = await scrape(token);
      expect(answer.status).toBe(200);
      expect(answer.headers.get('cache-control')).toBe('no-store');
      expect(answer.body).toMatch(/^http_requests_total\{/m);
    }
    // Without METRICS_TOKEN configured, only admin and ops tokens work.
    expect((await httpClient(stack.baseUrl, metricsToken).get('/metrics')).status).toBe(401);
    expect((await httpClient(stack.baseUrl, ops.token).get('/metrics')).status).toBe(200);
  });
});

describe('the admin preview of the client portal', () => {
  it('answers 404 for a client that does not exist, and the client as its portal user would see it otherwise', async () => {
    for (const token of [stack.adminToken, ops.token]) {
      const missing = await httpClient(stack.baseUrl, token).get(`/v1/portal/clients/${randomUUID()}`);
      expect(missing.status).toBe(404);
      expect(missing.body.code).toBe('not_found');
    }
    const client = await ensureClient(stack.db, {
      key: `hardening-client-${dealId}`,
      opportunityId: dealId,
      name: 'Probe Co',
    });
    const preview = await httpClient(stack.baseUrl, ops.token).get(`/v1/portal/clients/${client.id}`);
    expect(preview.status).toBe(200);
    expect(preview.body).toEqual({ clientId: client.id, deals: [] });
  });
});
