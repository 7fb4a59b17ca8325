import http from 'node:http';
import { KEEP_ALIVE_TIMEOUT_MS } from '../../../infra/api-server';
import { startExtraApp } from '../../support/api-app';
import { httpClient } from '../../support/http';
import { useStackWithRep } from '../../support/api-stack';

const ctx = useStackWithRep();

describe('limits, headers and pagination', () => {
  it('[IN1] a body over the limit is 413, a non-JSON body 415, malformed JSON 400, all problem+json naming the field', async () => {
    const api = httpClient(ctx.stack.baseUrl, ctx.rep.token);
    const big = await api.post('/v1/opportunities', { title: 'x'.repeat(200_000), company: 'y' });
    expect(big.status).toBe(413);
    expect(big.headers.get('content-type')).toContain('application/problem+json');
    expect(big.body.errors[0].field).toBe('body');
    const text = await api.raw('POST', '/v1/opportunities', 'title=x', { 'content-type': 'text/plain' });
    expect(text.status).toBe(415);
    expect(text.body.errors[0].field).toBe('headers.content-type');
    const broken = await api.raw('POST', '/v1/opportunities', '{"title":', {});
    expect(broken.status).toBe(400);
  });

  it('security headers are set on every answer', async () => {
    const answer = await httpClient(ctx.stack.baseUrl).get('/health/live');
    expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
    expect(answer.headers.get('strict-transport-security')).toBeTruthy();
    expect(answer.headers.get('content-security-policy')).toBeTruthy();
    expect(answer.headers.get('x-powered-by')).toBeNull();
  });

  it('an idle connection is kept open longer than a load balancer keeps its own (60 s), so none is reset mid-reuse', async () => {
    const keepAlive = await new Promise<string | string[] | undefined>((resolve, reject) => {
      http
        .get(`${ctx.stack.baseUrl}/health/live`, (res) => {
          res.resume();
          resolve(res.headers['keep-alive']);
        })
        .on('error', reject);
    });
    expect(keepAlive).toBe(`timeout=${KEEP_ALIVE_TIMEOUT_MS / 1000}`);
    expect(KEEP_ALIVE_TIMEOUT_MS).toBeGreaterThan(60_000);
  });

  it('requests are rate limited per token: over the limit answers 429 problem+json with Retry-After', async () => {
    const extra = await startExtraApp(ctx.stack, { rateLimitPerMinute: 3 });
    try {
      const url = extra.url;
      const a = httpClient(url, ctx.rep.token);
      const statuses = [];
      for (let i = 0; i < 4; i += 1) statuses.push((await a.get('/v1/opportunities')).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
      const limited = await a.get('/v1/opportunities');
      expect(limited.headers.get('content-type')).toContain('application/problem+json');
      expect(limited.body.code).toBe('rate_limited');
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      const other = httpClient(url, (await ctx.stack.user('rep')).token);
      expect((await other.get('/v1/opportunities')).status).toBe(200);
    } finally {
      await extra.close();
    }
  });

  it('the opportunity list pages with an opaque cursor and a capped page size; a bad cursor, limit or filter is 400 naming it', async () => {
    const api = httpClient(ctx.stack.baseUrl, ctx.rep.token);
    for (let i = 0; i < 3; i += 1) await api.post('/v1/opportunities', { title: `Paged ${i}`, company: 'Pager' });
    const first = await api.get('/v1/opportunities?limit=2');
    expect(first.body.items).toHaveLength(2);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await api.get(`/v1/opportunities?limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.items).toHaveLength(1);
    expect(second.body.nextCursor).toBeNull();
    expect(new Set([...first.body.items, ...second.body.items].map((o: any) => o.id)).size).toBe(3);
    const tooMany = await api.get('/v1/opportunities?limit=1000');
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.errors[0].field).toBe('query.limit');
    const badCursor = await api.get('/v1/opportunities?cursor=nonsense');
    expect(badCursor.status).toBe(400);
    expect(badCursor.body.errors[0].field).toBe('query.cursor');
    const badFilter = await api.get('/v1/opportunities?stage=nowhere&overdue=maybe');
    expect(badFilter.body.errors.map((e: any) => e.field).sort()).toEqual(['query.overdue', 'query.stage']);
    const overdue = await api.get('/v1/opportunities?overdue=false&stage=lead');
    expect(overdue.body.items.length).toBe(3);
  });
});
