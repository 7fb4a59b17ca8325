/**
 * The rate limit is one limit for every API process on the database: requests split across
 * two API processes (this test's, and `npm run api`'s entry point in a process of its own) are
 * counted together, also when they arrive at once. Postgres out of reach lets requests
 * through, logged once a minute; expired windows restart and are deleted in batches.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import express from 'express';
import pino from 'pino';
import { closeDb, createDb } from '../../../db/client';
import { countHit, pruneWindows } from '../../../db/queries/rate-limit';
import { rateLimitWindows } from '../../../db/schema';
import { limiterLogger, rateLimitPerToken } from '../../../api/rate-limit';
import type { ApiServerHandle } from '../../../infra/api-server';
import { httpClient, type HttpResponse } from '../../support/http';
import { useStackWithRep } from '../../support/api-stack';

const ctx = useStackWithRep();
const LIMIT = 10;

interface ApiProcess {
  url: string;
  /** The JSON log lines the process has written so far. */
  lines(): Record<string, unknown>[];
  stop(): Promise<void>;
}

/** `npm run api` in a process of its own, on the run's Postgres and Temporal. */
async function spawnApi(env: Record<string, string>): Promise<ApiProcess> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'scripts/api.ts'], {
    cwd: path.resolve(__dirname, '../../..'),
    env: { ...process.env, NODE_ENV: 'test', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const lines = () =>
    output
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  for (let waited = 0; waited < 60_000; waited += 100) {
    const listening = lines().find((l) => l.msg === 'API listening');
    if (listening) return { url: String(listening.url), lines, stop };
    if (child.exitCode !== null) throw new Error(`the API process exited: ${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await stop();
  throw new Error(`the API process did not listen within 60 s: ${output}`);
}

let here: ApiServerHandle;
let there: ApiProcess;

beforeAll(async () => {
  [here, there] = await Promise.all([
    ctx.stack.startApi({ rateLimitPerMinute: LIMIT }),
    spawnApi({ RATE_LIMIT_PER_MINUTE: String(LIMIT) }),
  ]);
}, 90_000);
afterAll(async () => {
  await Promise.all([here?.close(), there?.stop()]);
});

const expectLimited = (answer: HttpResponse) => {
  expect(answer.status).toBe(429);
  expect(answer.headers.get('content-type')).toContain('application/problem+json');
  expect(answer.body.code).toBe('rate_limited');
  expect(Number(answer.headers.get('retry-after'))).toBeGreaterThan(0);
};

describe('the rate limit shared by API processes', () => {
  it('counts requests split across two processes together: of 6 + 6 with a limit of 10, the 11th and 12th are 429', async () => {
    const { token } = await ctx.stack.user('rep');
    const apis = [httpClient(here.url, token), httpClient(there.url, token)];
    const answers: HttpResponse[] = [];
    for (let i = 0; i < 12; i += 1) answers.push(await apis[i % 2].get('/v1/opportunities'));
    expect(answers.map((a) => a.status)).toEqual([...Array(10).fill(200), 429, 429]);
    for (const answer of answers.slice(10)) expectLimited(answer);
    // The other process's 429 is on its log line, under the id its answer and its body carry.
    const limitedThere = answers[11];
    const id = limitedThere.headers.get('x-request-id');
    expect(limitedThere.body.requestId).toBe(id);
    let line: Record<string, unknown> | undefined;
    for (let i = 0; i < 50 && !line; i += 1) {
      line = there.lines().find((l) => l.requestId === id && l.msg === 'request');
      if (!line) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(line).toMatchObject({ method: 'GET', path: '/v1/opportunities', status: 429 });
    expect(JSON.stringify(there.lines())).not.toContain(token);
    // The stack's own API runs under another limit: its count is its own.
    expect((await httpClient(ctx.stack.baseUrl, token).get('/v1/opportunities')).status).toBe(200);
  });

  it('counts requests arriving at once on both processes exactly: 16 at once with a limit of 10 answer 10 times 200', async () => {
    const { token } = await ctx.stack.user('rep');
    const apis = [httpClient(here.url, token), httpClient(there.url, token)];
    const answers = await Promise.all(Array.from({ length: 16 }, (_, i) => apis[i % 2].get('/v1/opportunities')));
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(6);
  });
});

describe('the rate limit’s windows', () => {
  it('a window counts until it ends; the next hit starts a new one', async () => {
    const key = `test:${randomUUID()}`;
    const first = await countHit(ctx.stack.db, key, 400);
    const second = await countHit(ctx.stack.db, key, 400);
    expect([first.hits, second.hits]).toEqual([1, 2]);
    expect(second.resetsAt).toEqual(first.resetsAt);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const next = await countHit(ctx.stack.db, key, 400);
    expect(next.hits).toBe(1);
    expect(next.resetsAt.getTime()).toBeGreaterThan(first.resetsAt.getTime());
  });

  it('expired windows are deleted in batches of at most the batch size; live ones stay', async () => {
    const tag = `test-prune:${randomUUID()}:`;
    for (let i = 0; i < 3; i += 1) await countHit(ctx.stack.db, `${tag}old-${i}`, 1);
    await countHit(ctx.stack.db, `${tag}live`, 60_000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await pruneWindows(ctx.stack.db, 1)).toBeLessThanOrEqual(1);
    while ((await pruneWindows(ctx.stack.db, 1_000)) > 0);
    const { rows } = await ctx.stack.db.execute<{ key: string }>(
      sql`SELECT ${rateLimitWindows.key} AS key FROM ${rateLimitWindows} WHERE ${rateLimitWindows.key} LIKE ${`${tag}%`}`,
    );
    expect(rows.map((r) => r.key)).toEqual([`${tag}live`]);
  });
});

describe('the rate limit without Postgres', () => {
  it('lets every request through (no 429, no 500) and logs the failure once', async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = pino(
      { level: 'info' },
      { write: (l: string) => lines.push(JSON.parse(l) as Record<string, unknown>) },
    );
    // Nothing listens on port 1: every count fails at once.
    const deadDb = createDb('postgres://postgres@127.0.0.1:1/none', { logger: { warn: () => undefined } });
    const app = express();
    app.use(rateLimitPerToken({ db: deadDb, logger, perMinute: 1 }));
    app.get('/', (_req, res) => res.json({ ok: true }));
    const server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const statuses = [];
      for (let i = 0; i < 5; i += 1) statuses.push((await fetch(base)).status);
      expect(statuses).toEqual([200, 200, 200, 200, 200]);
      const errors = lines.filter((l) => (l.level as number) >= 50);
      expect(errors).toHaveLength(1);
      expect(JSON.stringify(errors[0])).toContain('ECONNREFUSED');
    } finally {
      await new Promise((resolve) => server.close(resolve));
      await closeDb(deadDb);
    }
  });

  it('logs each distinct limiter error at most once a minute, then says how many it left out', () => {
    const lines: Record<string, unknown>[] = [];
    const logger = pino(
      { level: 'info' },
      { write: (l: string) => lines.push(JSON.parse(l) as Record<string, unknown>) },
    );
    let now = 0;
    const log = limiterLogger(logger, () => now);
    log.error(new Error('down'), 'store failed');
    now = 30_000;
    log.error(new Error('down'), 'store failed');
    log.error(new Error('other'), 'something else');
    now = 60_000;
    log.error(new Error('down'), 'store failed');
    expect(lines.map((l) => [l.msg, l.suppressed])).toEqual([
      ['store failed', 0],
      ['something else', 0],
      ['store failed', 1],
    ]);
  });
});
