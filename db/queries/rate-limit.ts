import { and, eq, gt, inArray, not, sql } from 'drizzle-orm';
import type { Db } from '../client';
import { rateLimitWindows } from '../schema';
import { prepared } from './support';

export interface WindowCount {
  hits: number;
  resetsAt: Date;
}

const { key, hits, resetsAt } = rateLimitWindows;
/** Expired: its next hit starts a new window. Postgres' clock, so every API process agrees. */
const expired = sql`${resetsAt} <= now()`;

/**
 * Counts one hit of `id` in its current window, or starts a new window of `windowMs` when
 * there is none or it is over: one statement, atomic under concurrent hits from any process.
 */
export async function countHit(db: Db, id: string, windowMs: number): Promise<WindowCount> {
  // Prepared: every API request runs it.
  const statement = prepared(db, 'rate_limit_hit', (d) =>
    d
      .insert(rateLimitWindows)
      .values({
        key: sql.placeholder('id'),
        hits: 1,
        resetsAt: sql`now() + make_interval(secs => ${sql.placeholder('seconds')}::double precision)`,
      })
      .onConflictDoUpdate({
        target: key,
        set: {
          hits: sql`CASE WHEN ${expired} THEN 1 ELSE ${hits} + 1 END`,
          resetsAt: sql`CASE WHEN ${expired} THEN excluded.resets_at ELSE ${resetsAt} END`,
        },
      })
      .returning({ hits, resetsAt }),
  );
  const [row] = await statement.execute({ id, seconds: windowMs / 1_000 });
  return row;
}

/** Takes back one hit of `id`'s current window (a request the limiter decided not to count). */
export async function uncountHit(db: Db, id: string): Promise<void> {
  await db
    .update(rateLimitWindows)
    .set({ hits: sql`${hits} - 1` })
    .where(and(eq(key, id), gt(hits, 0), not(expired)));
}

/** Forgets `id`'s window: its next hit starts a new one. */
export async function forgetWindow(db: Db, id: string): Promise<void> {
  await db.delete(rateLimitWindows).where(eq(key, id));
}

/**
 * Deletes up to `batch` expired windows; returns how many. A window renewed meanwhile by a
 * concurrent hit is no longer expired when the delete re-checks its row, so it stays.
 */
export async function pruneWindows(db: Db, batch: number): Promise<number> {
  const old = db.select({ key }).from(rateLimitWindows).where(expired).limit(batch).for('update', { skipLocked: true });
  const removed = await db
    .delete(rateLimitWindows)
    .where(and(inArray(key, old), expired))
    .returning({ key });
  return removed.length;
}
