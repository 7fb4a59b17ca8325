import { count, eq } from 'drizzle-orm';
import { hashToken } from '../../../api/auth';
import { findActiveToken } from '../../../db/queries/auth';
import { apiTokens, users } from '../../../db/schema';
import { bootstrapAdmin } from '../../../infra/bootstrap';
import { isolatedTestDb } from '../../support/db';

let database: Awaited<ReturnType<typeof isolatedTestDb>>;
beforeAll(async () => {
  database = await isolatedTestDb('bootstrap');
});
afterAll(() => database.drop());

describe('the first admin', () => {
  test('APIs starting together on an empty database create exactly one admin and one token, and none fails', async () => {
    const starts = await Promise.all(Array.from({ length: 6 }, () => bootstrapAdmin(database.db)));

    const created = starts.filter((start) => start.created);
    expect(created).toHaveLength(1);
    const [admins] = await database.db.select({ n: count() }).from(users).where(eq(users.role, 'admin'));
    expect(admins.n).toBe(1);
    const [tokens] = await database.db.select({ n: count() }).from(apiTokens);
    expect(tokens.n).toBe(1);
    const found = await findActiveToken(database.db, hashToken(created[0].token!));
    expect(found?.user.role).toBe('admin');
    expect(found?.user.name).toBe('Administrator');

    const later = await bootstrapAdmin(database.db, 'a-token-given-too-late');
    expect(later).toEqual({ created: false });
  });
});
