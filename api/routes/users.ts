import { createApiToken, createUser, getUser, listUsers, type UserRow } from '../../db/queries/auth';
import type { AppDeps } from '../app';
import { hashToken, newToken } from '../auth';
import { badRequest, notFound } from '../errors';
import { iso } from '../resources/unreadable';
import { apiRouter } from '../route-kit';
import { idParams } from '../schemas/common';
import {
  createTokenBody,
  createUserBody,
  listUsersQuery,
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

  list(
    { path: '/users', summary: 'List users', tags: ['Users'], roles: ['admin'], query: listUsersQuery },
    { of: 'users', schema: userPageSchema, resource: userResource },
    ({ query }) => listUsers(db, query),
  );

  return router;
}
