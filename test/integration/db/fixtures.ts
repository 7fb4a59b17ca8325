import { randomUUID } from 'node:crypto';
import type { SQL } from 'drizzle-orm';
import type { Db } from '../../../db/client';
import { insertOpportunity, type OpportunityRow } from '../../../db/queries/opportunities';

/** A fresh deal with unique ids, so tests can share the run's database. */
export function newOpportunity(
  db: Db,
  overrides: Partial<Parameters<typeof insertOpportunity>[1]> = {},
): Promise<OpportunityRow> {
  const id = randomUUID();
  return insertOpportunity(db, {
    id,
    workflowId: `deal-${id}`,
    title: 'Lead flow audit',
    company: `Company ${id.slice(0, 8)}`,
    ownerId: `owner-${id}`,
    source: 'referral',
    stage: 'lead',
    snapshot: { stage: 'lead' },
    version: 0,
    ...overrides,
  });
}

/** A unique key for idempotent writes. */
export const uniqueKey = (prefix: string): string => `${prefix}:${randomUUID()}`;

/** The Postgres error a refused write raises (drizzle wraps it as `cause`). */
export async function pgError(work: Promise<unknown>): Promise<{ code?: string; message: string }> {
  try {
    await work;
  } catch (error) {
    const cause = (error as { cause?: unknown }).cause ?? error;
    return cause as { code?: string; message: string };
  }
  throw new Error('expected the statement to be refused');
}

/**
 * Runs a destructive statement in a transaction that is always rolled back, so a guard that
 * failed could not wipe data other tests share; returns the error the database raised.
 */
export function refused(db: Db, statement: SQL): Promise<{ code?: string; message: string }> {
  return pgError(
    db.transaction(async (tx) => {
      await tx.execute(statement);
      tx.rollback();
    }),
  );
}
