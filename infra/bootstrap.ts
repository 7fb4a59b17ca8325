import type { Db } from '../db/client';
import { countAdmins, createApiToken, createUser, lockAdminBootstrap } from '../db/queries/auth';
import { inTransaction } from '../db/queries/support';
import { hashToken, newToken } from '../api/auth';

/**
 * The first start creates an admin and its token: ADMIN_TOKEN when given, otherwise a new
 * one returned here so start-up can print it once. Later starts create nothing. Several API
 * processes may start at once on an empty database: a lock makes exactly one of them create it.
 */
export function bootstrapAdmin(db: Db, adminToken?: string): Promise<{ created: boolean; token?: string }> {
  return inTransaction(db, async (tx) => {
    await lockAdminBootstrap(tx);
    if ((await countAdmins(tx)) > 0) return { created: false };
    const token = adminToken ?? newToken();
    const admin = await createUser(tx, {
      name: 'Administrator',
      email: 'admin@localhost',
      role: 'admin',
      clientId: null,
    });
    await createApiToken(tx, { userId: admin.id, tokenHash: hashToken(token), label: 'bootstrap admin' });
    return { created: true, token };
  });
}
