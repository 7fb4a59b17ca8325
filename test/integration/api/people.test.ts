import { randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { hashToken } from '../../../api/auth';
import { closeDb, createDb, type Db } from '../../../db/client';
import { inSeconds } from '../../../fixtures/deal-events';
import { startServices, type Services } from '../../../infra/composition';
import { createLogger } from '../../../infra/logger';
import { testDb } from '../../support/db';
import { httpClient, type HttpResponse } from '../../support/http';
import { startTestStack, testConfig, type TestStack } from '../../support/stack';

let stack: TestStack;
let admin: ReturnType<typeof httpClient>;

beforeAll(async () => {
  stack = await startTestStack();
  admin = httpClient(stack.baseUrl, stack.adminToken);
});
afterAll(async () => {
  await stack?.stop();
});

const expectProblem = (answer: HttpResponse, status: number, code: string) => {
  expect([answer.status, answer.body?.code]).toEqual([status, code]);
  expect(answer.headers.get('content-type')).toContain('application/problem+json');
};

/** A user created through the API, with a token of its own. */
async function person(role: 'rep' | 'ops' | 'admin', name = `Person ${randomUUID().slice(0, 8)}`) {
  const created = await admin.post('/v1/users', { name, email: `${randomUUID()}@people.test`, role });
  expect(created.status).toBe(201);
  const token = await admin.post(`/v1/users/${created.body.id}/tokens`, { label: 'laptop' });
  expect(token.status).toBe(201);
  return {
    id: created.body.id as string,
    name,
    tokenId: token.body.id as string,
    token: token.body.token as string,
    api: httpClient(stack.baseUrl, token.body.token),
  };
}

describe('deactivating and reactivating people', () => {
  it('[OW1] a deactivated user’s token answers 401 user_deactivated on its very next request; reactivated, it works again', async () => {
    const rep = await person('rep', 'Rita Rep');
    expect((await rep.api.get('/v1/opportunities')).status).toBe(200);

    const deactivated = await admin.post(`/v1/users/${rep.id}/deactivate`);
    expect(deactivated.status).toBe(200);
    expect(deactivated.body).toMatchObject({ id: rep.id, name: 'Rita Rep', role: 'rep', active: false, openDeals: [] });
    expect(Date.parse(deactivated.body.deactivatedAt)).toBeGreaterThan(Date.now() - 60_000);

    const refused = await rep.api.get('/v1/opportunities');
    expectProblem(refused, 401, 'user_deactivated');
    expect(refused.headers.get('www-authenticate')).toContain('invalid_token');
    // Writes too, not only reads.
    expectProblem(await rep.api.post('/v1/opportunities', { title: 'T', company: 'C' }), 401, 'user_deactivated');

    // The user list shows it, and filters on it.
    const inactive = await admin.get('/v1/users?active=false&limit=100');
    expect(inactive.body.items.find((u: any) => u.id === rep.id)).toMatchObject({ active: false, name: 'Rita Rep' });
    expect(inactive.body.items.every((u: any) => u.active === false)).toBe(true);
    const active = await admin.get('/v1/users?active=true&role=admin&limit=100');
    expect(active.body.items.map((u: any) => u.id)).not.toContain(rep.id);
    expect(active.body.items.length).toBeGreaterThan(0);
    expect(active.body.items.every((u: any) => u.active === true && u.role === 'admin')).toBe(true);

    // Deactivating again changes nothing (not even when it happened).
    const again = await admin.post(`/v1/users/${rep.id}/deactivate`);
    expect(again.status).toBe(200);
    expect(again.body.deactivatedAt).toBe(deactivated.body.deactivatedAt);

    const reactivated = await admin.post(`/v1/users/${rep.id}/reactivate`);
    expect(reactivated.status).toBe(200);
    expect(reactivated.body).toMatchObject({ id: rep.id, name: 'Rita Rep', active: true, deactivatedAt: null });
    expect((await rep.api.get('/v1/opportunities')).status).toBe(200);
    const listed = await admin.get('/v1/users?active=true&role=rep&limit=100');
    let cursor = listed.body.nextCursor;
    const ids = listed.body.items.map((u: any) => u.id);
    while (cursor) {
      const page = await admin.get(`/v1/users?active=true&role=rep&limit=100&cursor=${cursor}`);
      ids.push(...page.body.items.map((u: any) => u.id));
      cursor = page.body.nextCursor;
    }
    expect(ids).toContain(rep.id);
  });

  it('[OW1] the deactivation answer lists the user’s open deals (not lost ones, not other people’s) for reassignment', async () => {
    const rep = await person('rep', 'Olga Owner');
    const other = await person('rep');
    const open = await rep.api.post('/v1/opportunities', { title: 'Website rebuild', company: 'Acme Dental' });
    expect(open.status).toBe(201);
    // Created by an admin on the rep's behalf: the owner is the rep.
    const assigned = await admin.post('/v1/opportunities', {
      title: 'Call tracking',
      company: 'Bright Smiles',
      ownerId: rep.id,
    });
    expect(assigned.status).toBe(201);
    const lost = await rep.api.post('/v1/opportunities', { title: 'Reviews', company: 'Gone Co' });
    const marked = await rep.api.post(`/v1/opportunities/${lost.body.id}/events`, {
      type: 'MARK_LOST',
      reason: 'competitor',
      detail: 'Chose another agency',
      reactivateAt: inSeconds(90 * 86_400),
    });
    expect([marked.status, marked.body.stage]).toEqual([200, 'lost']);
    const notTheirs = await other.api.post('/v1/opportunities', { title: 'Other', company: 'Other Co' });
    expect(notTheirs.status).toBe(201);

    const deactivated = await admin.post(`/v1/users/${rep.id}/deactivate`);
    expect(deactivated.status).toBe(200);
    const expected = [
      { id: open.body.id, company: 'Acme Dental', title: 'Website rebuild', stage: 'lead' },
      { id: assigned.body.id, company: 'Bright Smiles', title: 'Call tracking', stage: 'lead' },
    ].sort((a, b) => (a.id < b.id ? -1 : 1));
    expect(deactivated.body.openDeals).toEqual(expected);
  });

  it('[OW1] an admin cannot deactivate itself; concurrently deactivating the last two admins leaves one active (409 last_active_admin)', async () => {
    expectProblem(await admin.post(`/v1/users/${await adminId()}/deactivate`), 409, 'cannot_deactivate_self');

    // A database of its own, where the bootstrap admin and one more are the only admins.
    await withIsolatedApi(async ({ api, db, adminToken }) => {
      const first = httpClient(api, adminToken);
      const [firstId] = (await first.get('/v1/users?role=admin')).body.items.map((u: any) => u.id);
      const created = await first.post('/v1/users', {
        name: 'Second Admin',
        email: 'second@people.test',
        role: 'admin',
      });
      const secondToken = (await first.post(`/v1/users/${created.body.id}/tokens`, { label: 'x' })).body.token;
      const second = httpClient(api, secondToken);
      expectProblem(await first.post(`/v1/users/${firstId}/deactivate`), 409, 'cannot_deactivate_self');

      // Hold the admins' rows so both requests are past authentication and waiting, then let go.
      const holder = await db.$client.connect();
      let answers: HttpResponse[];
      try {
        await holder.query('BEGIN');
        await holder.query(`SELECT id FROM users WHERE role = 'admin' FOR UPDATE`);
        const racing = [
          first.post(`/v1/users/${created.body.id}/deactivate`),
          second.post(`/v1/users/${firstId}/deactivate`),
        ];
        // Asked on another connection: inside the holder's transaction the statistics are a snapshot.
        await waitFor(async () => {
          const { rows } = await db.$client.query(
            `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
          );
          return rows[0].n >= 2;
        });
        await holder.query('COMMIT');
        answers = await Promise.all(racing);
      } finally {
        holder.release();
      }
      const statuses = answers.map((a) => a.status).sort();
      expect(statuses).toEqual([200, 409]);
      expectProblem(
        answers.find((a) => a.status === 409)!,
        409,
        'last_active_admin',
      );
      const { rows } = await db.$client.query(`SELECT count(*)::int AS n FROM users WHERE role = 'admin' AND active`);
      expect(rows[0].n).toBe(1);
    });
  });
});

describe('tokens', () => {
  it('[OW1] the token list shows id, label, createdAt and revokedAt, never the token or its hash', async () => {
    const rep = await person('rep');
    const second = await admin.post(`/v1/users/${rep.id}/tokens`, { label: 'phone' });
    const listed = await admin.get(`/v1/users/${rep.id}/tokens`);
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((t: any) => Object.keys(t).sort())).toEqual([
      ['createdAt', 'id', 'label', 'revokedAt', 'userId'],
      ['createdAt', 'id', 'label', 'revokedAt', 'userId'],
    ]);
    expect(listed.body.items.map((t: any) => [t.id, t.label, t.revokedAt]).sort()).toEqual(
      [
        [rep.tokenId, 'laptop', null],
        [second.body.id, 'phone', null],
      ].sort(),
    );
    const text = JSON.stringify(listed.body);
    for (const secret of [rep.token, second.body.token, hashToken(rep.token), hashToken(second.body.token)])
      expect(text).not.toContain(secret);
    // Paged like every list.
    const firstPage = await admin.get(`/v1/users/${rep.id}/tokens?limit=1`);
    expect(firstPage.body.items).toHaveLength(1);
    const nextPage = await admin.get(`/v1/users/${rep.id}/tokens?limit=1&cursor=${firstPage.body.nextCursor}`);
    expect([...firstPage.body.items, ...nextPage.body.items].map((t: any) => t.id).sort()).toEqual(
      [rep.tokenId, second.body.id].sort(),
    );
  });

  it('[OW1] a revoked token answers 401 at once; the user’s other token still works; a user revokes its own', async () => {
    const rep = await person('rep');
    const phone = await admin.post(`/v1/users/${rep.id}/tokens`, { label: 'phone' });
    const phoneApi = httpClient(stack.baseUrl, phone.body.token);

    const revoked = await admin.post(`/v1/users/${rep.id}/tokens/${rep.tokenId}/revoke`, undefined, {
      'Idempotency-Key': `revoke-${rep.tokenId}`,
    });
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ id: rep.tokenId, userId: rep.id, label: 'laptop' });
    expect(Date.parse(revoked.body.revokedAt)).toBeGreaterThan(Date.now() - 60_000);
    expectProblem(await rep.api.get('/v1/opportunities'), 401, 'unauthorized');
    expect((await phoneApi.get('/v1/opportunities')).status).toBe(200);

    // The same key replays the answer; revoking again without one changes nothing.
    const replay = await admin.post(`/v1/users/${rep.id}/tokens/${rep.tokenId}/revoke`, undefined, {
      'Idempotency-Key': `revoke-${rep.tokenId}`,
    });
    expect([replay.status, replay.headers.get('idempotent-replayed'), replay.body]).toEqual([
      200,
      'true',
      revoked.body,
    ]);
    const again = await admin.post(`/v1/users/${rep.id}/tokens/${rep.tokenId}/revoke`);
    expect(again.body.revokedAt).toBe(revoked.body.revokedAt);

    // A rep revokes its own token (the one it calls with, here): the next call is refused.
    const own = await phoneApi.post(`/v1/users/${rep.id}/tokens/${phone.body.id}/revoke`);
    expect([own.status, own.body.id]).toEqual([200, phone.body.id]);
    expectProblem(await phoneApi.get('/v1/opportunities'), 401, 'unauthorized');
    const listed = await admin.get(`/v1/users/${rep.id}/tokens`);
    expect(listed.body.items.every((t: any) => typeof t.revokedAt === 'string')).toBe(true);
  });

  it('[OW1] an unknown token, or another user’s token under this user, answers 404 and revokes nothing', async () => {
    const rep = await person('rep');
    const other = await person('rep');
    expectProblem(await admin.post(`/v1/users/${rep.id}/tokens/${randomUUID()}/revoke`), 404, 'not_found');
    expectProblem(await admin.post(`/v1/users/${rep.id}/tokens/${other.tokenId}/revoke`), 404, 'not_found');
    expect((await other.api.get('/v1/opportunities')).status).toBe(200);
    expectProblem(await admin.get(`/v1/users/${randomUUID()}/tokens`), 404, 'not_found');
    expectProblem(await admin.post(`/v1/users/${randomUUID()}/deactivate`), 404, 'not_found');
    expectProblem(await admin.post(`/v1/users/${randomUUID()}/reactivate`), 404, 'not_found');
  });
});

describe('who may manage people', () => {
  it('[OW1] rep and ops get 403 on the admin routes, and a rep cannot revoke another user’s token', async () => {
    const target = await person('rep');
    for (const role of ['rep', 'ops'] as const) {
      const caller = await person(role);
      for (const [method, path] of [
        ['POST', `/v1/users/${target.id}/deactivate`],
        ['POST', `/v1/users/${target.id}/reactivate`],
        ['GET', `/v1/users/${target.id}/tokens`],
        ['GET', '/v1/users?active=false'],
        ['POST', `/v1/users/${target.id}/tokens/${target.tokenId}/revoke`],
      ]) {
        const answer = await caller.api.raw(method, path, method === 'POST' ? {} : undefined);
        expect([role, path, answer.status, answer.body.code]).toEqual([role, path, 403, 'forbidden']);
      }
    }
    // Nothing changed: the target still works.
    expect((await target.api.get('/v1/opportunities')).status).toBe(200);
    const tokens = await admin.get(`/v1/users/${target.id}/tokens`);
    expect(tokens.body.items.map((t: any) => t.revokedAt)).toEqual([null]);
  });

  it('[OW1] bad ids and filters answer 400 problem+json naming the field', async () => {
    const rep = await person('rep');
    for (const [method, path, field] of [
      ['POST', '/v1/users/not-a-uuid/deactivate', 'params.id'],
      ['POST', '/v1/users/not-a-uuid/reactivate', 'params.id'],
      ['GET', '/v1/users/not-a-uuid/tokens', 'params.id'],
      ['POST', `/v1/users/${rep.id}/tokens/nope/revoke`, 'params.tokenId'],
      ['POST', `/v1/users/nope/tokens/${rep.tokenId}/revoke`, 'params.id'],
      ['GET', '/v1/users?active=yes', 'query.active'],
    ]) {
      const answer = await admin.raw(method, path, method === 'POST' ? {} : undefined);
      expectProblem(answer, 400, 'malformed_request');
      expect([path, answer.body.errors.map((e: any) => e.field)]).toEqual([path, [field]]);
    }
    const unknownField = await admin.post(`/v1/users/${rep.id}/deactivate`, { reason: 'left' });
    expectProblem(unknownField, 422, 'invalid_request');
    expect(unknownField.body.errors.map((e: any) => e.field)).toEqual(['reason']);
    const badKey = await admin.post(`/v1/users/${rep.id}/deactivate`, undefined, { 'Idempotency-Key': '' });
    expect(badKey.status).toBe(400);
    expect(badKey.body.errors[0].field).toBe('headers.idempotency-key');
    // Nothing was deactivated or revoked by the refused requests.
    expect((await rep.api.get('/v1/opportunities')).status).toBe(200);
  });
});

async function adminId(): Promise<string> {
  const { rows } = await stack.db.$client.query(
    `SELECT u.id FROM users u JOIN api_tokens t ON t.user_id = u.id WHERE t.token_hash = $1`,
    [hashToken(stack.adminToken)],
  );
  return rows[0].id;
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** An API (no worker) on a fresh database of its own, migrated and bootstrapped with one admin. */
async function withIsolatedApi(work: (ctx: { api: string; db: Db; adminToken: string }) => Promise<void>) {
  const root = testDb();
  const name = `people_${randomBytes(6).toString('hex')}`;
  await root.execute(sql.raw(`CREATE DATABASE "${name}"`));
  const url = new URL(process.env.DATABASE_URL!);
  url.pathname = `/${name}`;
  let services: Services | undefined;
  let db: Db | undefined;
  try {
    services = await startServices(
      testConfig({ DATABASE_URL: url.toString(), TASK_QUEUE: `test-${randomUUID()}`, ADMIN_TOKEN: undefined }),
      { logger: createLogger('silent'), migrate: true, api: true, pool: { max: 4, applicationName: 'jest-people' } },
    );
    db = createDb(url.toString(), { max: 2 });
    await work({ api: services.api!.url, db, adminToken: services.adminToken! });
  } finally {
    if (db) await closeDb(db);
    await services?.stop();
    await root.execute(sql.raw(`DROP DATABASE "${name}" WITH (FORCE)`));
    await closeDb(root);
  }
}
