import { canonicalJson, sha256 } from '../../../api/idempotency';
import { claimIdempotencyKey } from '../../../db/queries/idempotency';
import { dealWorkflowId } from '../../../workflows/deal/messages';
import { httpClient } from '../../support/http';
import { useStackWithRep } from '../../support/api-stack';
import { nextAction, QUALIFICATION_FACTS } from '../../../fixtures/deal-events';

const ctx = useStackWithRep();

const count = async (sql: string, params: unknown[]) =>
  (await ctx.stack.db.$client.query(sql, params)).rows[0].n as number;

describe('Idempotency-Key and If-Match', () => {
  it('creating with the same key and body answers the same deal once; another body with the key is 422', async () => {
    const api = httpClient(ctx.stack.baseUrl, ctx.rep.token);
    const key = { 'Idempotency-Key': `create-${Date.now()}` };
    const body = { title: 'Idempotent lead', company: 'Once Ltd' };
    const first = await api.post('/v1/opportunities', body, key);
    const second = await api.post('/v1/opportunities', { company: 'Once Ltd', title: 'Idempotent lead' }, key);
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.headers.get('location')).toBe(first.headers.get('location'));
    expect(await count("select count(*)::int as n from opportunities where company = 'Once Ltd'", [])).toBe(1);
    const other = await api.post('/v1/opportunities', { ...body, title: 'Another lead' }, key);
    expect(other.status).toBe(422);
    expect(other.body.code).toBe('idempotency_key_reused');
    expect(other.body.errors[0].field).toBe('headers.idempotency-key');
    expect(await count("select count(*)::int as n from opportunities where company = 'Once Ltd'", [])).toBe(1);
  });

  it('the same event with the same key has one effect and one event row; the same key with another body is 422', async () => {
    const api = httpClient(ctx.stack.baseUrl, ctx.rep.token);
    const id = (await api.post('/v1/opportunities', { title: 'Events once', company: 'Twice Inc' })).body.id;
    const key = { 'Idempotency-Key': `facts-${id}` };
    const body = { type: 'RECORD_QUALIFICATION', facts: QUALIFICATION_FACTS };
    const first = await api.post(`/v1/opportunities/${id}/events`, body, key);
    const again = await api.post(`/v1/opportunities/${id}/events`, body, key);
    expect(first.status).toBe(200);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await count('select count(*)::int as n from opportunity_events where opportunity_id = $1', [id])).toBe(1);
    const other = await api.post(`/v1/opportunities/${id}/events`, { ...body, facts: { source: 'other' } }, key);
    expect(other.status).toBe(422);
    expect(await count('select count(*)::int as n from opportunity_events where opportunity_id = $1', [id])).toBe(1);
    // A failed request gives its key back: fixed and retried with the same key, it takes effect once.
    const refusedKey = { 'Idempotency-Key': `qualify-${id}` };
    expect((await api.post(`/v1/opportunities/${id}/events`, { type: 'QUALIFY' }, refusedKey)).status).toBe(409);
    const description = await ctx.stack.temporal.workflow.getHandle(dealWorkflowId(id)).describe();
    expect(description.status.name).toBe('RUNNING');
  });

  it('a request whose key is still in flight answers 409', async () => {
    const api = httpClient(ctx.stack.baseUrl, ctx.rep.token);
    const body = { title: 'In flight', company: 'Busy Co' };
    await claimIdempotencyKey(ctx.stack.db, {
      principal: ctx.rep.id,
      key: 'in-flight-1',
      route: 'POST /v1/opportunities',
      bodyHash: sha256(canonicalJson(body)),
    });
    const answer = await api.post('/v1/opportunities', body, { 'Idempotency-Key': 'in-flight-1' });
    expect(answer.status).toBe(409);
    expect(answer.body.code).toBe('idempotency_in_flight');
    const bad = await api.post('/v1/opportunities', body, { 'Idempotency-Key': 'has spaces in it' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].field).toBe('headers.idempotency-key');
  });

  it('a token is shown once: a replay of its creation does not repeat it', async () => {
    const admin = httpClient(ctx.stack.baseUrl, ctx.stack.adminToken);
    const key = { 'Idempotency-Key': `token-${ctx.rep.id}` };
    const first = await admin.post(`/v1/users/${ctx.rep.id}/tokens`, { label: 'ci' }, key);
    const replay = await admin.post(`/v1/users/${ctx.rep.id}/tokens`, { label: 'ci' }, key);
    expect(first.status).toBe(201);
    expect(first.body.token).toMatch(/^opp_/);
    expect(replay.body).toMatchObject({ id: first.body.id, token: null });
    expect((await httpClient(ctx.stack.baseUrl, first.body.token).get('/v1/opportunities')).status).toBe(200);
  });

  it('an ETag comes with every opportunity; If-Match with a stale version is 412 and writes nothing', async () => {
    const api = httpClient(ctx.stack.baseUrl, ctx.rep.token);
    const created = await api.post('/v1/opportunities', { title: 'Versioned', company: 'Etag Co' });
    const id = created.body.id;
    expect(created.headers.get('etag')).toBe('"0"');
    const set = { type: 'SET_NEXT_ACTION', nextAction: nextAction(ctx.rep.id, { description: 'Call back' }) };
    const fresh = await api.post(`/v1/opportunities/${id}/events`, set, { 'If-Match': '"0"' });
    expect(fresh.status).toBe(200);
    expect(fresh.headers.get('etag')).toBe('"1"');
    const stale = await api.post(`/v1/opportunities/${id}/events`, set, { 'If-Match': '"0"' });
    expect(stale.status).toBe(412);
    expect(stale.body).toMatchObject({ code: 'version_mismatch', currentVersion: 1 });
    expect(await count('select count(*)::int as n from opportunity_events where opportunity_id = $1', [id])).toBe(1);
    expect((await api.post(`/v1/opportunities/${id}/events`, set, { 'If-Match': 'W/"1"' })).status).toBe(200);
    const malformed = await api.post(`/v1/opportunities/${id}/events`, set, { 'If-Match': 'version-2' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.errors[0].field).toBe('headers.if-match');
    expect((await api.get(`/v1/opportunities/${id}`)).headers.get('etag')).toBe('"2"');
  });
});
