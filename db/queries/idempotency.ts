import { and, eq, isNull, lt, or, sql } from 'drizzle-orm';
import type { Db } from '../client';
import { idempotencyKeys, type IdempotencyKeyRow } from '../schema';
import { selectOne } from './support';

export type { IdempotencyKeyRow };

export interface IdempotencyClaim {
  principal: string;
  key: string;
  route: string;
  bodyHash: string;
}

type Which = { principal: string; key: string };

/** An in-flight claim not renewed for this long was abandoned and may be taken over. */
export const CLAIM_LEASE_SECONDS = 6;
const whereKey = (which: Which) =>
  and(
    eq(idempotencyKeys.principal, which.principal),
    eq(idempotencyKeys.key, which.key),
    isNull(idempotencyKeys.status),
  );

/**
 * Claims a key for a request. An in-flight claim is a lease: its owner renews `created_at`
 * while it runs, so a claim not renewed for `leaseSeconds` was abandoned (its process died)
 * and is taken over. Returns `claimed` when this request owns it now (new or taken over),
 * otherwise the row already there so the caller can replay it or refuse.
 */
export async function claimIdempotencyKey(
  db: Db,
  claim: IdempotencyClaim,
  leaseSeconds = CLAIM_LEASE_SECONDS,
): Promise<{ claimed: true } | { claimed: false; row: IdempotencyKeyRow }> {
  const stale = sql`now() - make_interval(secs => ${leaseSeconds})`;
  const rows = await db
    .insert(idempotencyKeys)
    .values(claim)
    .onConflictDoUpdate({
      target: [idempotencyKeys.principal, idempotencyKeys.key],
      set: { createdAt: sql`now()` },
      setWhere: and(
        isNull(idempotencyKeys.status),
        lt(idempotencyKeys.createdAt, stale),
        eq(idempotencyKeys.bodyHash, claim.bodyHash),
      ),
    })
    .returning({ key: idempotencyKeys.key });
  if (rows.length > 0) return { claimed: true };
  const row = await selectOne(
    db,
    idempotencyKeys,
    and(eq(idempotencyKeys.principal, claim.principal), eq(idempotencyKeys.key, claim.key))!,
  );
  // Released between the insert and the read: try once more.
  return row ? { claimed: false, row } : claimIdempotencyKey(db, claim, leaseSeconds);
}

/** The owner of an in-flight claim renews its lease. */
export async function renewIdempotencyKey(db: Db, which: Which): Promise<void> {
  await db
    .update(idempotencyKeys)
    .set({ createdAt: sql`now()` })
    .where(whereKey(which));
}

/**
 * Ends the lease of an in-flight claim at once and keeps the row: the request stopped
 * without knowing its outcome, so its retry takes over right away with the same body and
 * the same pending secret.
 */
export async function expireIdempotencyKey(db: Db, which: Which, leaseSeconds = CLAIM_LEASE_SECONDS): Promise<void> {
  await db
    .update(idempotencyKeys)
    .set({ createdAt: sql`now() - make_interval(secs => ${leaseSeconds})` })
    .where(whereKey(which));
}

/**
 * The secret of an in-flight claim: the one stored by an earlier attempt of this request,
 * else `candidate`, stored now. Undefined when the key has no in-flight claim.
 */
export async function keepPendingSecret(db: Db, which: Which, candidate: string): Promise<string | undefined> {
  const [row] = await db
    .update(idempotencyKeys)
    .set({ pendingSecret: sql`coalesce(${idempotencyKeys.pendingSecret}, ${candidate})` })
    .where(whereKey(which))
    .returning({ pendingSecret: idempotencyKeys.pendingSecret });
  return row?.pendingSecret ?? undefined;
}

/** Stores the answer of a claimed key, so a retry replays it; the pending secret is dropped. */
export async function completeIdempotencyKey(
  db: Db,
  which: Which,
  answer: { status: number; response: unknown; headers: Record<string, string> },
): Promise<void> {
  await db
    .update(idempotencyKeys)
    .set({ ...answer, pendingSecret: null, completedAt: sql`now()` })
    .where(whereKey(which));
}

/** Gives a claimed key back (the request failed without an effect), so it can be retried. */
export async function releaseIdempotencyKey(db: Db, which: Which): Promise<void> {
  await db.delete(idempotencyKeys).where(whereKey(which));
}

/**
 * Drops at most `limit` keys answered more than `days` ago, or claimed that long ago and
 * abandoned (a live claim renews `created_at` every few seconds); returns how many.
 */
export async function pruneIdempotencyKeys(db: Db, days: number, limit: number): Promise<number> {
  const old = sql`now() - make_interval(days => ${days})`;
  const expired = db
    .select({ principal: idempotencyKeys.principal, key: idempotencyKeys.key })
    .from(idempotencyKeys)
    .where(
      or(lt(idempotencyKeys.completedAt, old), and(isNull(idempotencyKeys.status), lt(idempotencyKeys.createdAt, old))),
    )
    .limit(limit);
  const result = await db
    .delete(idempotencyKeys)
    .where(sql`(${idempotencyKeys.principal}, ${idempotencyKeys.key}) in (${expired})`);
  return result.rowCount ?? 0;
}
