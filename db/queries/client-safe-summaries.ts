import { and, asc, eq, sql } from 'drizzle-orm';
import type { Db } from '../client';
import { clientSafeSummaries, type ClientSafeSummaryRow, type SummaryKind, type Visibility } from '../schema';
import { upsertUnlessUnchanged } from './support';

export type { ClientSafeSummaryRow };

/**
 * K1: a client-safe summary of a deal. A changed body or visibility makes a new version, so
 * an earlier approval no longer covers it; the same text again changes nothing.
 */
export function upsertClientSafeSummary(
  db: Db,
  input: { opportunityId: string; kind: SummaryKind; body: string; visibility: Visibility },
): Promise<ClientSafeSummaryRow> {
  return upsertUnlessUnchanged(db, clientSafeSummaries, input, {
    target: [clientSafeSummaries.opportunityId, clientSafeSummaries.kind],
    compared: [clientSafeSummaries.body, clientSafeSummaries.visibility],
    set: {
      body: input.body,
      visibility: input.visibility,
      version: sql`${clientSafeSummaries.version} + 1`,
      updatedAt: sql`now()`,
    },
    existing: and(
      eq(clientSafeSummaries.opportunityId, input.opportunityId),
      eq(clientSafeSummaries.kind, input.kind),
    )!,
  });
}

/** Approves the deal's client-safe summaries at their current versions; returns how many. */
export async function stampSummaries(db: Db, opportunityId: string, approvedBy: string): Promise<number> {
  const stamped = await db
    .update(clientSafeSummaries)
    .set({ approvedBy, approvedAt: sql`now()`, approvedVersion: sql`${clientSafeSummaries.version}` })
    .where(and(eq(clientSafeSummaries.opportunityId, opportunityId), eq(clientSafeSummaries.visibility, 'client_safe')))
    .returning({ id: clientSafeSummaries.id });
  return stamped.length;
}

export function listClientSafeSummaries(db: Db, opportunityId: string): Promise<ClientSafeSummaryRow[]> {
  return db
    .select()
    .from(clientSafeSummaries)
    .where(eq(clientSafeSummaries.opportunityId, opportunityId))
    .orderBy(asc(clientSafeSummaries.kind));
}
