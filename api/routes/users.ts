import {
  createApiToken,
  createUser,
  deactivateUser,
  getApiToken,
  getUser,
  listApiTokens,
  listUsers,
  openDealsOwnedBy,
  reactivateUser,
  revokeToken,
  type ApiTokenListing,
  type UserRow,
} from '../../db/queries/auth';
import { getEmailPreference, setEmailPreference } from '../../db/queries/outbox';
import type { AppDeps } from '../app';
import { hashToken, newToken } from '../auth';
import { badRequest, DomainError, forbidden, notFound } from '../errors';
import { iso } from '../resources/unreadable';
import { apiRouter, type ApiRouter } from '../route-kit';
import { idParams } from '../schemas/common';
import {
  createTokenBody,
  createUserBody,
  deactivatedUserSchema,
  listTokensQuery,
  listUsersQuery,
  noFieldsBody,
  notificationPreferencesBody,
  notificationPreferencesSchema,
  tokenListingSchema,
  tokenPageSchema,
  tokenParams,
  tokenSchema,
  userPageSchema,
  userSchema,
} from '../schemas/people';

const userResource = (u: UserRow) => ({
  id: u.id,
  name: u.name,
  email: u.email,
  role: u.role,
  clientId: u.clientId,
  createdAt: iso(u.createdAt),
  active: u.active,
  deactivatedAt: iso(u.deactivatedAt),
});

const tokenResource = (t: ApiTokenListing) => ({
  id: t.id,
  userId: t.userId,
  label: t.label,
  createdAt: iso(t.createdAt),
  revokedAt: iso(t.revokedAt),
});

/** Why a deactivation is refused, as a 409 naming the id. */
const deactivationRefused = (why: 'self' | 'last_admin') =>
  why === 'self'
    ? new DomainError('cannot_deactivate_self', 409, 'You cannot deactivate yourself', {
        errors: [{ field: 'params.id', message: 'is the caller' }],
      })
    : new DomainError('last_active_admin', 409, 'The last active admin cannot be deactivated', {
        errors: [{ field: 'params.id', message: 'is the last active admin' }],
      });

/** Postgres refused the row (a duplicate email, a client that does not exist): a 4xx naming the field. */
function refusedUser(error: unknown): never {
  const code = (error as { code?: string; cause?: { code?: string } }).cause?.code ?? (error as { code?: string }).code;
  if (code === '23505')
    throw badRequest('A user with this email exists', [{ field: 'email', message: 'already taken' }]);
  if (code === '23503') throw badRequest('No such client', [{ field: 'clientId', message: 'no client with this id' }]);
  throw error;
}

export function userRoutes({ db, logger }: AppDeps) {
  const { router, add, list } = apiRouter('/v1', { db, logger });

  add(
    {
      method: 'post',
      path: '/users',
      summary: 'Create a user',
      description:
        'A portal user belongs to exactly one client (`clientId`) and reads only its approved client-safe data.',
      tags: ['Users'],
      roles: ['admin'],
      body: createUserBody,
      success: { status: 201, description: 'The new user', schema: userSchema, headers: ['Location'] },
    },
    async ({ body }) => {
      if ((body.role === 'portal') !== (body.clientId !== undefined)) {
        throw badRequest('Only a portal user belongs to a client', [
          { field: 'clientId', message: body.role === 'portal' ? 'required for role portal' : 'only for role portal' },
        ]);
      }
      const user = await createUser(db, { ...body, clientId: body.clientId ?? null }).catch(refusedUser);
      return { body: userResource(user), headers: { Location: `/v1/users/${user.id}` } };
    },
  );

  add(
    {
      method: 'post',
      path: '/users/:id/tokens',
      summary: 'Create an API token for a user (returned once)',
      description:
        'Only the sha256 of the token is stored: the token is in this answer and nowhere else. A replay with the same Idempotency-Key does not repeat it.',
      tags: ['Users'],
      roles: ['admin'],
      params: idParams,
      body: createTokenBody,
      success: { status: 201, description: 'The token', schema: tokenSchema },
      errors: [404],
    },
    async ({ params, body }) => {
      const user = await getUser(db, params.id);
      if (!user) throw notFound('The user');
      const token = newToken();
      const row = await createApiToken(db, { userId: user.id, tokenHash: hashToken(token), label: body.label });
      const resource = { id: row.id, userId: user.id, label: row.label, createdAt: iso(row.createdAt) };
      return {
        body: { ...resource, token, note: 'Shown once: only its hash is stored' },
        replayBody: { ...resource, token: null, note: 'The token was shown in the first answer only' },
      };
    },
  );

  // Before any `/users/:id/...` route: `me` is not an id.
  preferenceRoutes({ add }, { db });
  accessRoutes({ add, list }, { db });
  tokenRoutes({ add, list }, { db });

  return router;
}

/** Who may sign in (OW1): deactivating and reactivating a user. */
function accessRoutes({ add, list }: Pick<ApiRouter, 'add' | 'list'>, { db }: Pick<AppDeps, 'db'>) {
  add(
    {
      method: 'post',
      path: '/users/:id/deactivate',
      summary: 'Deactivate a user',
      description:
        'Every token of the user stops working at once (401 `user_deactivated`); the user, its tokens and its deals stay. ' +
        'The answer lists the open deals it owns (not handed off, not lost) for reassignment. ' +
        'Refused (409) for yourself and for the last active admin. Deactivating a deactivated user changes nothing.',
      tags: ['Users'],
      roles: ['admin'],
      params: idParams,
      body: noFieldsBody,
      success: {
        status: 200,
        description: 'The user, now inactive, and its open deals',
        schema: deactivatedUserSchema,
      },
      errors: [404, 409],
    },
    async ({ params, principal }) => {
      const outcome = await deactivateUser(db, params.id, principal.userId);
      if ('refused' in outcome) {
        if (outcome.refused === 'not_found') throw notFound('The user');
        throw deactivationRefused(outcome.refused);
      }
      const openDeals = await openDealsOwnedBy(db, outcome.user.id);
      return { body: { ...userResource(outcome.user), openDeals } };
    },
  );

  add(
    {
      method: 'post',
      path: '/users/:id/reactivate',
      summary: 'Reactivate a user',
      description: 'Its tokens that were not revoked work again. Reactivating an active user changes nothing.',
      tags: ['Users'],
      roles: ['admin'],
      params: idParams,
      body: noFieldsBody,
      success: { status: 200, description: 'The user, active', schema: userSchema },
      errors: [404],
    },
    async ({ params }) => {
      const user = await reactivateUser(db, params.id);
      if (!user) throw notFound('The user');
      return { body: userResource(user) };
    },
  );

  list(
    {
      path: '/users/:id/tokens',
      summary: "List a user's tokens",
      description: 'Revoked ones included, with `revokedAt`. Neither a token nor its hash is ever shown.',
      tags: ['Users'],
      roles: ['admin'],
      params: idParams,
      query: listTokensQuery,
      errors: [404],
    },
    { of: 'tokens', schema: tokenPageSchema, resource: tokenResource },
    async ({ params, query }) => {
      if (!(await getUser(db, params.id))) throw notFound('The user');
      return listApiTokens(db, { ...query, userId: params.id });
    },
  );
}

/** A user's tokens (OW1): listed by an admin, revoked by an admin or by their own user. */
function tokenRoutes({ add, list }: Pick<ApiRouter, 'add' | 'list'>, { db }: Pick<AppDeps, 'db'>) {
  add(
    {
      method: 'post',
      path: '/users/:id/tokens/:tokenId/revoke',
      summary: 'Revoke a token',
      description:
        'The token answers 401 from the next request on. An admin revokes any token; anyone may revoke its own. ' +
        'Revoking a revoked token changes nothing (its `revokedAt` stays).',
      tags: ['Users'],
      roles: ['admin', 'ops', 'rep', 'portal'],
      params: tokenParams,
      body: noFieldsBody,
      success: { status: 200, description: 'The token, revoked', schema: tokenListingSchema },
      errors: [404],
    },
    async ({ params, principal }) => {
      if (principal.role !== 'admin' && principal.userId !== params.id)
        throw forbidden("Only an admin revokes another user's tokens");
      const token = await getApiToken(db, params.tokenId);
      if (!token || token.userId !== params.id) throw notFound('The token');
      await revokeToken(db, token.id);
      return { body: tokenResource((await getApiToken(db, token.id))!) };
    },
  );

  list(
    {
      path: '/users',
      summary: 'List users',
      description: 'Filter by `role` and by `active` (`false`: the deactivated ones).',
      tags: ['Users'],
      roles: ['admin'],
      query: listUsersQuery,
    },
    { of: 'users', schema: userPageSchema, resource: userResource },
    ({ query }) => listUsers(db, query),
  );
}

const PREFERENCE_TAGS = ['Users', 'Notifications'];
const PEOPLE = ['admin', 'ops', 'rep'] as const;

/** The person a preference is for: a user of the agency (a portal user is never emailed). */
async function emailablePerson(db: AppDeps['db'], id: string): Promise<string> {
  const user = await getUser(db, id);
  if (!user) throw notFound('The user');
  if (user.role === 'portal')
    throw badRequest('Portal users receive no email', [{ field: 'params.id', message: 'is a portal user' }]);
  return user.id;
}

/** How each person wants their email (NT1): their own, or anyone's for an admin. */
function preferenceRoutes({ add }: Pick<ApiRouter, 'add'>, { db }: Pick<AppDeps, 'db'>) {
  const spec = {
    tags: PREFERENCE_TAGS,
    success: { status: 200, description: 'The preferences', schema: notificationPreferencesSchema },
  };
  const answer = async (userId: string) => ({ body: { userId, email: await getEmailPreference(db, userId) } });
  add(
    {
      ...spec,
      method: 'get',
      path: '/users/me/notification-preferences',
      summary: 'Read my notification preferences',
      roles: PEOPLE,
    },
    ({ principal }) => answer(principal.userId),
  );
  add(
    {
      ...spec,
      method: 'put',
      path: '/users/me/notification-preferences',
      summary: 'Set my notification preferences',
      description: 'Applies to what happens from now on (mails already planned still go).',
      roles: PEOPLE,
      body: notificationPreferencesBody,
    },
    async ({ principal, body }) => {
      await setEmailPreference(db, principal.userId, body.email);
      return answer(principal.userId);
    },
  );
  add(
    {
      ...spec,
      method: 'get',
      path: '/users/:id/notification-preferences',
      summary: "Read a user's notification preferences",
      roles: ['admin'],
      params: idParams,
      errors: [404, 422],
    },
    async ({ params }) => answer(await emailablePerson(db, params.id)),
  );
  add(
    {
      ...spec,
      method: 'put',
      path: '/users/:id/notification-preferences',
      summary: "Set a user's notification preferences",
      description: 'A portal user receives no email: 422.',
      roles: ['admin'],
      params: idParams,
      body: notificationPreferencesBody,
      errors: [404],
    },
    async ({ params, body }) => {
      const userId = await emailablePerson(db, params.id);
      await setEmailPreference(db, userId, body.email);
      return answer(userId);
    },
  );
}
