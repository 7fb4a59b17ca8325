import type { Db } from '../db/client';
import { countAdmins, createApiToken, createUser } from '../db/queries/auth';
import { hashToken, newToken } from '../api/auth';

/**
 * The first start creates an admin and its token: ADMIN_TOKEN when given, otherwise a new
 * one returned here so start-up can print it once. Later starts create nothing.
 */
export async function bootstrapAdmin(db: Db, adminToken?: string): Promise<{ created: boolean; token?: string }> {
  if ((await countAdmins(db)) > 0) return { created: false };
  const token = adminToken ?? newToken();
  const admin = await createUser(db, {
    name: 'Administrator',
    email: 'admin@localhost',
    role: 'admin',
    clientId: null,
  });
  await createApiToken(db, { userId: admin.id, tokenHash: hashToken(token), label: 'bootstrap admin' });
  return { created: true, token };
}
