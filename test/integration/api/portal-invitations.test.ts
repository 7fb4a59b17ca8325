import { randomUUID } from 'node:crypto';
import { hashToken } from '../../../api/auth';
import { ensureClient, ensureOnboardingChecklist, ensurePortalUser, ensureProject } from '../../../db/queries/handoff';
import type { Api } from '../../support/api-deal';
import { httpClient } from '../../support/http';
import { startTestStack, type TestStack } from '../../support/stack';

/*
 * Portal invitations through HTTP on the real stack (HO1, K1): ops get a one-time link once
 * (only its hash is stored), the invited person spends it for a bearer token of their own
 * portal login, which reads that client's projects only. The records the handoff would write
 * (client, portal user with its login, project, checklist) are written directly, as the
 * handoff's activities do, so these tests need no workflow. The tests run in order.
 */

let stack: TestStack;
let apis: { ops: Api; admin: Api; rep: Api; anonymous: Api };
const run = randomUUID().slice(0, 8);

interface Seeded {
  opportunityId: string;
  clientId: string;
  projectId: string;
  portalUserId: string;
  userId: string;
  email: string;
}

/** A handed-off client as the handoff leaves it: a portal user `invited`, a project and its checklist. */
async function seedClient(name: string): Promise<Seeded> {
  const deal = await apis.ops.post('/v1/opportunities', { title: 'Won deal', company: name });
  const opportunityId = deal.body.id as string;
  const client = await ensureClient(stack.db, { key: `${opportunityId}:client`, opportunityId, name });
  const email = `dana-${randomUUID().slice(0, 8)}@${run}.example.com`;
  const portalUser = await ensurePortalUser(stack.db, {
    key: `${opportunityId}:portal_user`,
    opportunityId,
    clientId: client.id,
    email,
    name: 'Dana Office',
  });
  const project = await ensureProject(stack.db, {
    key: `${opportunityId}:project`,
    opportunityId,
    clientId: client.id,
    name: `${name} delivery`,
    onboardingOwner: 'ops-owner',
    scope: 'INTERNAL-SCOPE-NOTE: after-hours routing',
    lineItems: [],
  });
  await ensureOnboardingChecklist(stack.db, {
    key: `${opportunityId}:checklist`,
    opportunityId,
    projectId: project.id,
    ownerId: 'ops-owner',
    items: [
      { code: 'kickoff', title: 'Run the kickoff', done: false },
      { code: `portal_invitation:${email}`, title: `Invite Dana Office (${email})`, done: false },
    ],
  });
  return {
    opportunityId,
    clientId: client.id,
    projectId: project.id,
    portalUserId: portalUser.id,
    userId: portalUser.userId,
    email,
  };
}

const invite = (portalUserId: string, as: Api = apis.ops, headers?: Record<string, string>) =>
  as.post(`/v1/portal-users/${portalUserId}/invitation`, undefined, headers);
const accept = (token: unknown) => apis.anonymous.post('/v1/portal/invitations/accept', { token });
const tokenOf = (link: string): string => link.split('#')[1];

async function portalRow(id: string) {
  const { rows } = await stack.db.$client.query('SELECT * FROM portal_users WHERE id = $1', [id]);
  return rows[0];
}

let mine: Seeded;
let theirs: Seeded;
let firstToken: string;

beforeAll(async () => {
  stack = await startTestStack();
  const ops = await stack.user('ops');
  const rep = await stack.user('rep');
  apis = {
    ops: httpClient(stack.baseUrl, ops.token),
    admin: httpClient(stack.baseUrl, stack.adminToken),
    rep: httpClient(stack.baseUrl, rep.token),
    anonymous: httpClient(stack.baseUrl),
  };
  mine = await seedClient(`Invite Dental ${run}`);
  theirs = await seedClient(`Other Clinic ${run}`);
});
afterAll(async () => {
  await stack?.stop();
});

describe('portal invitations (HO1, K1)', () => {
  it('[HO1] ops get the link once; only its sha256 is stored; other roles are refused', async () => {
    const before = Date.now();
    const issued = await invite(mine.portalUserId);
    expect(issued.status).toBe(201);
    expect(issued.body).toMatchObject({
      portalUserId: mine.portalUserId,
      email: mine.email,
      status: 'invited',
      link: expect.stringMatching(/^\/portal\/invitation#[A-Za-z0-9_-]{40,}$/),
    });
    const expiresIn = Date.parse(issued.body.expiresAt) - before;
    expect(expiresIn).toBeGreaterThan(7 * 86_400_000 - 60_000);
    expect(expiresIn).toBeLessThan(7 * 86_400_000 + 60_000);
    firstToken = tokenOf(issued.body.link);

    const row = await portalRow(mine.portalUserId);
    expect(row.invitation_hash).toBe(hashToken(firstToken));
    expect(row.status).toBe('invited');
    expect(row.accepted_at).toBeNull();
    expect(JSON.stringify(row)).not.toContain(firstToken);

    expect((await invite(mine.portalUserId, apis.rep)).status).toBe(403);
    expect((await apis.anonymous.post(`/v1/portal-users/${mine.portalUserId}/invitation`)).status).toBe(401);
    expect((await invite(randomUUID())).status).toBe(404);
    expect((await invite('not-a-uuid')).status).toBe(400);
  });

  it('[HO1] a replay with the same Idempotency-Key answers without the link; issuing again replaces the link', async () => {
    const key = { 'Idempotency-Key': `invite-${run}` };
    const first = await invite(theirs.portalUserId, apis.admin, key);
    expect(first.status).toBe(201);
    const replay = await invite(theirs.portalUserId, apis.admin, key);
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body.link).toBeNull();
    expect(replay.body.note).toMatch(/first answer only/);
    expect(replay.body.expiresAt).toBe(first.body.expiresAt);
    expect((await portalRow(theirs.portalUserId)).invitation_hash).toBe(hashToken(tokenOf(first.body.link)));
    // The stored answer and the key's pending secret keep no copy of the token.
    const { rows } = await stack.db.$client.query(
      `SELECT count(*)::int AS n FROM idempotency_keys
        WHERE coalesce(response::text, '') || coalesce(pending_secret, '') LIKE '%' || $1 || '%'`,
      [tokenOf(first.body.link)],
    );
    expect(rows[0].n).toBe(0);

    const again = await invite(mine.portalUserId);
    expect(again.status).toBe(201);
    const replaced = firstToken;
    firstToken = tokenOf(again.body.link);
    expect(firstToken).not.toBe(replaced);
    const stale = await accept(replaced);
    expect(stale.status).toBe(404);
    expect((await portalRow(mine.portalUserId)).status).toBe('invited');
  });

  it("[K1] accepting gives a token, once, that reads that client's projects only: status and checklist progress", async () => {
    const accepted = await accept(firstToken);
    expect(accepted.status).toBe(201);
    expect(accepted.headers.get('cache-control')).toBe('no-store');
    expect(accepted.body).toMatchObject({
      portalUserId: mine.portalUserId,
      userId: mine.userId,
      clientId: mine.clientId,
      token: expect.stringMatching(/^opp_/),
    });
    const row = await portalRow(mine.portalUserId);
    expect(row.status).toBe('active');
    expect(row.accepted_at).toBeInstanceOf(Date);
    expect(row.invitation_hash).toBeNull();

    const portal = httpClient(stack.baseUrl, accepted.body.token);
    const projects = await portal.get('/v1/portal/projects');
    expect(projects.status).toBe(200);
    expect(projects.body).toEqual({
      items: [
        {
          id: mine.projectId,
          name: `Invite Dental ${run} delivery`,
          status: 'onboarding',
          kickoffDate: null,
          // The invitation step is done now; the titles stay internal.
          checklist: [
            { step: 1, done: false },
            { step: 2, done: true },
          ],
        },
      ],
    });
    const text = JSON.stringify(projects.body);
    for (const secret of [theirs.projectId, 'INTERNAL-SCOPE-NOTE', mine.email, 'ops-owner', 'Invite Dana'])
      expect(text).not.toContain(secret);
    expect((await portal.get(`/v1/portal/clients/${theirs.clientId}`)).status).toBe(404);
    expect((await portal.get(`/v1/opportunities/${mine.opportunityId}/handoff`)).status).toBe(403);

    const second = await accept(firstToken);
    expect(second.status).toBe(404);
    expect(second.body.code).toBe('not_found');
    const reissue = await invite(mine.portalUserId);
    expect(reissue.status).toBe(409);
    expect(reissue.body.code).toBe('portal_user_active');
  });

  it('[HO1] the staff handoff read shows the portal user invited and accepted, never the hash', async () => {
    const read = await apis.ops.get(`/v1/opportunities/${mine.opportunityId}/handoff`);
    expect(read.status).toBe(200);
    expect(read.body.portalUsers).toEqual([
      expect.objectContaining({
        id: mine.portalUserId,
        userId: mine.userId,
        email: mine.email,
        name: 'Dana Office',
        status: 'active',
        invitedAt: expect.any(String),
        acceptedAt: expect.any(String),
      }),
    ]);
    expect(Object.keys(read.body.portalUsers[0])).not.toContain('invitationHash');
    const { rows } = await stack.db.$client.query('SELECT invitation_hash FROM portal_users WHERE id = $1', [
      theirs.portalUserId,
    ]);
    const other = await apis.ops.get(`/v1/opportunities/${theirs.opportunityId}/handoff`);
    expect(rows[0].invitation_hash).toEqual(expect.any(String));
    expect(JSON.stringify(other.body)).not.toContain(rows[0].invitation_hash);
  });

  it('[HO1] an expired invitation is refused with 410 and changes nothing', async () => {
    const issued = await invite(theirs.portalUserId);
    await stack.db.$client.query(
      `UPDATE portal_users SET invitation_expires_at = now() - interval '1 minute' WHERE id = $1`,
      [theirs.portalUserId],
    );
    const expired = await accept(tokenOf(issued.body.link));
    expect(expired.status).toBe(410);
    expect(expired.body.code).toBe('invitation_expired');
    const row = await portalRow(theirs.portalUserId);
    expect(row.status).toBe('invited');
    expect(row.accepted_at).toBeNull();
    const { rows } = await stack.db.$client.query('SELECT count(*)::int AS n FROM api_tokens WHERE user_id = $1', [
      theirs.userId,
    ]);
    expect(rows[0].n).toBe(0);
  });

  it('hostile accept bodies answer 4xx, never 5xx', async () => {
    const bodies: unknown[] = [
      {},
      { token: 'short' },
      { token: 123 },
      { token: 'a'.repeat(5_000) },
      { token: `${'a'.repeat(30)}\u0000` },
      { token: `${'a'.repeat(30)}\ud800` },
      { token: { nested: ['x'] } },
      { token: 'a'.repeat(43), extra: true },
      [],
    ];
    for (const body of bodies) {
      const answer = await apis.anonymous.post('/v1/portal/invitations/accept', body);
      expect([JSON.stringify(body).slice(0, 60), answer.status >= 400 && answer.status < 500]).toEqual([
        JSON.stringify(body).slice(0, 60),
        true,
      ]);
    }
    const notJson = await apis.anonymous.raw('POST', '/v1/portal/invitations/accept', '{"token":', {
      'content-type': 'application/json',
    });
    expect(notJson.status).toBe(400);
    const unknown = await accept('a'.repeat(43));
    expect(unknown.status).toBe(404);
  });

  it('[HO1] an accept retried with the same Idempotency-Key has one effect and replays without the token', async () => {
    const issued = await invite(theirs.portalUserId);
    const body = { token: tokenOf(issued.body.link) };
    const key = { 'Idempotency-Key': `accept-${run}` };
    const first = await apis.anonymous.post('/v1/portal/invitations/accept', body, key);
    expect(first.status).toBe(201);
    expect(first.body.token).toMatch(/^opp_/);
    const replay = await apis.anonymous.post('/v1/portal/invitations/accept', body, key);
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toMatchObject({ portalUserId: theirs.portalUserId, userId: theirs.userId, token: null });
    const { rows } = await stack.db.$client.query('SELECT count(*)::int AS n FROM api_tokens WHERE user_id = $1', [
      theirs.userId,
    ]);
    expect(rows[0].n).toBe(1);
    // Another invitation's holder with the same key is another request.
    expect((await apis.anonymous.post('/v1/portal/invitations/accept', { token: 'b'.repeat(43) }, key)).status).toBe(
      404,
    );
  });
});
