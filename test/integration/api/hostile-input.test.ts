/**
 * Input that Postgres cannot store or a person cannot mean, sent through the real stack (API,
 * Temporal, worker, Postgres): each is refused at the edge with a 4xx problem+json naming the
 * field, within a bound, and afterwards the deal takes its next valid event and the deal list
 * and the funnel still answer 200. Each case is one input of issue 15.
 */
import { randomUUID } from 'node:crypto';
import { MAX_QUANTITY, MAX_UNIT_PRICE_CENTS } from '../../../machines/opportunity/attachments';
import { httpClient, type HttpResponse } from '../../support/http';
import { useStackWithRep } from '../../support/api-stack';

const ctx = useStackWithRep();
/** Every refusal must come back within this. */
const BOUND_MS = 5_000;

const rep = () => httpClient(ctx.stack.baseUrl, ctx.rep.token);
const admin = () => httpClient(ctx.stack.baseUrl, ctx.stack.adminToken);
const key = () => ({ 'Idempotency-Key': randomUUID() });

/** Fails as soon as the bound is over, rather than when jest gives up. */
async function withinBound<T>(call: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${BOUND_MS} ms`)), BOUND_MS);
  });
  try {
    return await Promise.race([call, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** A 4xx problem+json answered within the bound that names `field`. */
async function refused(call: Promise<HttpResponse>, status: 400 | 422, field: string): Promise<HttpResponse> {
  const response = await withinBound(call);
  expect([field, response.status]).toEqual([field, status]);
  expect(response.headers.get('content-type')).toContain('application/problem+json');
  expect(response.body.errors.map((e: { field: string }) => e.field)).toContain(field);
  return response;
}

async function newDeal(title = 'Hostile input'): Promise<{ id: string; version: number }> {
  const created = await rep().post('/v1/opportunities', { title, company: 'Probe Inc' }, key());
  expect(created.status).toBe(201);
  return { id: created.body.id, version: created.body.version };
}

const sendEvent = (dealId: string, body: unknown, headers: Record<string, string> = key()) =>
  rep().post(`/v1/opportunities/${dealId}/events`, body, headers);

/** The deal takes its next valid event (version + 1), and the list and the funnel answer 200. */
async function stillUsable(deal: { id: string; version: number }): Promise<void> {
  const next = await withinBound(sendEvent(deal.id, { type: 'RECORD_QUALIFICATION', facts: { source: 'Referral' } }));
  expect([next.status, next.body.version]).toEqual([200, deal.version + 1]);
  await listsAnswer();
}

async function listsAnswer(): Promise<void> {
  for (const api of [admin(), rep()])
    expect((await withinBound(api.get('/v1/opportunities?limit=100'))).status).toBe(200);
  expect((await withinBound(admin().get('/v1/metrics/funnel'))).status).toBe(200);
}

/** Deals whose title holds `marker` (a NUL-free part of the refused title: Postgres cannot even be asked about a NUL). */
const countTitled = async (marker: string): Promise<number> =>
  (
    await ctx.stack.db.$client.query<{ n: number }>(
      'select count(*)::int as n from opportunities where strpos(title, $1) > 0',
      [marker],
    )
  ).rows[0].n;

describe('hostile input is refused at the edge and leaves deals, lists and metrics working', () => {
  it('[IN1] a NUL in a title on POST /v1/opportunities is 422 naming `title`, and nothing is created', async () => {
    const marker = randomUUID();
    await refused(
      rep().post('/v1/opportunities', { title: `nul \u0000 title ${marker}`, company: 'c' }, key()),
      422,
      'title',
    );
    expect(await countTitled(marker)).toBe(0);
    await stillUsable(await newDeal());
  });

  it('[IN1] a lone surrogate in a title is refused, not stored as U+FFFD', async () => {
    const marker = randomUUID();
    await refused(rep().post('/v1/opportunities', { title: `a\udc00b ${marker}`, company: 'c' }, key()), 422, 'title');
    expect(await countTitled(marker)).toBe(0);
    await stillUsable(await newDeal());
  });

  it('[IN1] a NUL in RECORD_QUALIFICATION facts is 422 naming the fact; the deal takes the next event', async () => {
    const deal = await newDeal();
    await refused(
      sendEvent(deal.id, { type: 'RECORD_QUALIFICATION', facts: { source: 'nul \u0000 fact' } }),
      422,
      'facts.source',
    );
    await stillUsable(deal);
  });

  it('[IN1] a lone surrogate in RECORD_QUALIFICATION facts is 422 naming the fact', async () => {
    const deal = await newDeal();
    await refused(
      sendEvent(deal.id, { type: 'RECORD_QUALIFICATION', facts: { service_fit: 'a\udc00b' } }),
      422,
      'facts.service_fit',
    );
    await stillUsable(deal);
  });

  it('[IN1] a NUL in a SET_NEXT_ACTION description is 422 naming it', async () => {
    const deal = await newDeal();
    const nextAction = {
      description: 'call \u0000 them',
      dueAt: new Date(Date.now() + 86_400_000).toISOString(),
      ownerId: ctx.rep.id,
    };
    await refused(sendEvent(deal.id, { type: 'SET_NEXT_ACTION', nextAction }), 422, 'nextAction.description');
    await stillUsable(deal);
  });

  it('[IN1] a year-0 dueAt in SET_NEXT_ACTION is 422 naming it', async () => {
    const deal = await newDeal();
    const nextAction = { description: 'Call them', dueAt: '0000-01-01T00:00:00Z', ownerId: ctx.rep.id };
    const response = await refused(
      sendEvent(deal.id, { type: 'SET_NEXT_ACTION', nextAction }),
      422,
      'nextAction.dueAt',
    );
    expect(response.body.errors[0].message).toContain('1900');
    await stillUsable(deal);
  });

  it('[IN1] a NUL in a user name or a token label (admin routes) is 422 naming the field', async () => {
    const email = `nul-${randomUUID()}@test.example`;
    await refused(admin().post('/v1/users', { name: 'nul \u0000 name', email, role: 'rep' }, key()), 422, 'name');
    const users = await ctx.stack.db.$client.query<{ n: number }>(
      'select count(*)::int as n from users where email = $1',
      [email],
    );
    expect(users.rows[0].n).toBe(0);
    await refused(admin().post(`/v1/users/${ctx.rep.id}/tokens`, { label: 'laptop \u0000' }, key()), 422, 'label');
    await stillUsable(await newDeal());
  });

  it.each(['/v1/opportunities', '/v1/tasks', '/v1/ops/stuck'])(
    '[IN1] ?ownerId=%%00 on %s is 400 naming query.ownerId',
    async (path) => {
      await refused(admin().get(`${path}?ownerId=%00`), 400, 'query.ownerId');
      await refused(admin().get(`${path}?ownerId=a%0Ab`), 400, 'query.ownerId');
      await listsAnswer();
    },
  );

  it('[IN1] a funnel period in year 0 is 400 naming query.to', async () => {
    await refused(admin().get('/v1/metrics/funnel?to=0000-01-01T00:00:00Z'), 400, 'query.to');
    await refused(
      admin().get('/v1/metrics/funnel?from=1899-12-31T00:00:00Z&to=1900-01-02T00:00:00Z'),
      400,
      'query.from',
    );
    await listsAnswer();
  });

  it('[IN1] limit accepts decimal digits only: 0x10 and other spellings are 400 naming query.limit', async () => {
    for (const limit of ['0x10', '1e1', '+5', '5.0', '%205', '0b11', '']) {
      await refused(rep().get(`/v1/opportunities?limit=${limit}`), 400, 'query.limit');
    }
    const padded = await rep().get('/v1/opportunities?limit=007');
    expect(padded.status).toBe(200);
    expect(padded.body.items.length).toBeLessThanOrEqual(7);
  });

  it('[IN1] money: 999999 x 999999999999 is refused by the per-line caps, ten lines at the caps by the total cap', async () => {
    const deal = await newDeal();
    const pricing = (lineItems: unknown[]) => ({
      type: 'RECORD_PROPOSAL_SECTION',
      section: 'pricing',
      attachments: { body: 'Pricing', visibility: 'client_safe', lineItems },
    });
    const huge = await refused(
      sendEvent(deal.id, pricing([{ description: 'Seat', quantity: 999_999, unitPriceCents: 999_999_999_999 }])),
      422,
      'attachments.lineItems.0.quantity',
    );
    expect(huge.body.errors.map((e: { field: string }) => e.field)).toContain('attachments.lineItems.0.unitPriceCents');
    const maxLine = { description: 'Seat', quantity: MAX_QUANTITY, unitPriceCents: MAX_UNIT_PRICE_CENTS };
    const ten = await refused(sendEvent(deal.id, pricing(new Array(10).fill(maxLine))), 422, 'attachments.lineItems');
    expect(ten.body.errors).toHaveLength(1);
    await stillUsable(deal);
  });

  it('[IN1] a body nested 5,000 deep is 422 body_too_complex on every POST route, with and without Idempotency-Key', async () => {
    const deal = await newDeal();
    const deep = `${'['.repeat(5_000)}${']'.repeat(5_000)}`;
    const doc = (await admin().get('/openapi.json')).body as { paths: Record<string, Record<string, unknown>> };
    const posts = Object.entries(doc.paths)
      .filter(([path, item]) => 'post' in item && path.startsWith('/v1'))
      .map(([path]) => path.replace(/\{[^}]+\}/g, path.includes('/opportunities/') ? deal.id : randomUUID()));
    expect(posts).toEqual(
      expect.arrayContaining(['/v1/opportunities', `/v1/opportunities/${deal.id}/events`, '/v1/users']),
    );
    const sameKey = randomUUID();
    for (const path of posts) {
      for (const headers of [{}, { 'Idempotency-Key': sameKey }] as Record<string, string>[]) {
        const response = await refused(
          admin().raw('POST', path, deep, { 'content-type': 'application/json', ...headers }),
          422,
          'body',
        );
        expect([path, response.body.code]).toEqual([path, 'body_too_complex']);
      }
    }
    // Nothing claimed the key: the same key now carries a valid event once.
    const next = await withinBound(
      sendEvent(
        deal.id,
        { type: 'RECORD_QUALIFICATION', facts: { source: 'Referral' } },
        { 'Idempotency-Key': sameKey },
      ),
    );
    expect([next.status, next.body.version]).toEqual([200, deal.version + 1]);
    await stillUsable({ id: deal.id, version: deal.version + 1 });
  });
});
