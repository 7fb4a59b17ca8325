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

/**
 * Claims a key for a request. Returns `claimed` when this request owns it now (new, or an
 * in-flight claim older than `staleSeconds` left by a crashed process), otherwise the row
 * already there so the caller can replay it or refuse.
 */
export async function claimIdempotencyKey(
  db: Db,
  claim: IdempotencyClaim,
  staleSeconds = 60,
): Promise<{ claimed: true } | { claimed: false; row: IdempotencyKeyRow }> {
  const stale = sql`now() - make_interval(secs => ${staleSeconds})`;
  const rows = await db
    .insert(idempotencyKeys)
    .values(claim)
    .onConflictDoUpdate({
      target: [idempotencyKeys.principal, idempotencyKeys.key],
      set: { createdAt: sql`now()` },
      setWhere: and(isNull(idempotencyKeys.status), lt(idempotencyKeys.createdAt, stale), eq(idempotencyKeys.bodyHash, claim.bodyHash)),
    })
    .returning({ key: idempotencyKeys.key });
  if (rows.length > 0) return { claimed: true };
  const row = await selectOne(db, idempotencyKeys, and(eq(idempotencyKeys.principal, claim.principal), eq(idempotencyKeys.key, claim.key))!);
  // Released between the insert and the read: try once more.
  return row ? { claimed: false, row } : claimIdempotencyKey(db, claim, staleSeconds);
}

/** Stores the answer of a claimed key, so a retry replays it. */
export async function completeIdempotencyKey(
  db: Db,
  which: { principal: string; key: string },
  answer: { status: number; response: unknown; headers: Record<string, string> },
): Promise<void> {
  await db
    .update(idempotencyKeys)
    .set({ ...answer, completedAt: sql`now()` })
    .where(and(eq(idempotencyKeys.principal, which.principal), eq(idempotencyKeys.key, which.key), isNull(idempotencyKeys.status)));
}

/** Gives a claimed key back (the request failed without an effect), so it can be retried. */
export async function releaseIdempotencyKey(db: Db, which: { principal: string; key: string }): Promise<void> {
  await db
    .delete(idempotencyKeys)
    .where(and(eq(idempotencyKeys.principal, which.principal), eq(idempotencyKeys.key, which.key), isNull(idempotencyKeys.status)));
}

/** Drops completed keys older than `days` (retention); returns how many. */
export async function pruneIdempotencyKeys(db: Db, days: number): Promise<number> {
  const old = sql`now() - make_interval(days => ${days})`;
  const removed = await db
    .delete(idempotencyKeys)
    .where(or(lt(idempotencyKeys.completedAt, old), and(isNull(idempotencyKeys.status), lt(idempotencyKeys.createdAt, old))))
    .returning({ key: idempotencyKeys.key });
  return removed.length;
}
