import { createHash, randomUUID } from 'node:crypto';
import { closeDb, type Db } from '../../../db/client';
import {
  countAdmins,
  createApiToken,
  createUser,
  findActiveToken,
  getUser,
  listUsers,
  revokeToken,
} from '../../../db/queries/auth';
import { ensureClient } from '../../../db/queries/handoff';
import { testDb } from '../../support/db';
import { newOpportunity, pgError } from './fixtures';

let db: Db;
beforeAll(() => {
  db = testDb();
});
afterAll(() => closeDb(db));

const sha256 = (token: string) => createHash('sha256').update(token).digest('hex');
const email = () => `${randomUUID()}@example.test`;

describe('users and API tokens', () => {
  it('a token is found by its hash with its user until it is revoked', async () => {
    const user = await createUser(db, { name: 'Rita Rep', email: email(), role: 'rep' });
    const token = randomUUID();
    const row = await createApiToken(db, { userId: user.id, tokenHash: sha256(token), label: 'laptop' });
    expect(await findActiveToken(db, sha256(token))).toMatchObject({
      token: { id: row.id },
      user: { id: user.id, role: 'rep' },
    });
    expect(await revokeToken(db, row.id)).toBe(true);
    expect(await revokeToken(db, row.id)).toBe(false);
    expect(await findActiveToken(db, sha256(token))).toBeNull();
  });

  it('counts admins and lists users by role with a cursor', async () => {
    const before = await countAdmins(db);
    const admin = await createUser(db, { name: 'Ada Admin', email: email(), role: 'admin' });
    expect(await countAdmins(db)).toBeGreaterThanOrEqual(before + 1);
    expect(await getUser(db, admin.id)).toMatchObject({ email: admin.email, role: 'admin' });
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await listUsers(db, { role: 'admin', limit: 2, cursor });
      ids.push(...page.items.map((u) => u.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(ids).toContain(admin.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('[K1] a portal user must belong to a client', async () => {
    const refused = await pgError(createUser(db, { name: 'Pat Portal', email: email(), role: 'portal' }));
    expect(refused.code).toBe('23514');
    const deal = await newOpportunity(db);
    const client = await ensureClient(db, { key: `client:${deal.id}`, opportunityId: deal.id, name: 'Acme' });
    expect(
      await createUser(db, { name: 'Pat Portal', email: email(), role: 'portal', clientId: client.id }),
    ).toMatchObject({ clientId: client.id });
  });

  it('an email is used by one user only', async () => {
    const address = email();
    await createUser(db, { name: 'One', email: address, role: 'ops' });
    expect((await pgError(createUser(db, { name: 'Two', email: address, role: 'ops' }))).code).toBe('23505');
  });
});
