import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../client';
import { clientSafeSummaries, type ClientSafeSummaryRow, type SummaryKind, type Visibility } from '../schema';
import { selectAll, upsertApprovableText } from './support';

export type { ClientSafeSummaryRow };

/**
 * K1: a client-safe summary of a deal. A changed body or visibility makes a new version, so
 * an earlier approval no longer covers it; the same text again changes nothing.
 */
export function upsertClientSafeSummary(
  db: Db,
  input: { opportunityId: string; kind: SummaryKind; body: string; visibility: Visibility },
): Promise<ClientSafeSummaryRow> {
  return upsertApprovableText(db, clientSafeSummaries, input, ['opportunityId', 'kind'], {
    version: sql`${clientSafeSummaries.version} + 1`,
  });
}

/** Approves the named client-safe summaries of a deal at their current versions; returns how many. */
export async function stampSummaries(
  db: Db,
  opportunityId: string,
  approvedBy: string,
  kinds: SummaryKind[],
): Promise<number> {
  if (kinds.length === 0) return 0;
  const stamped = await db
    .update(clientSafeSummaries)
    .set({ approvedBy, approvedAt: sql`now()`, approvedVersion: sql`${clientSafeSummaries.version}` })
    .where(
      and(
        eq(clientSafeSummaries.opportunityId, opportunityId),
        eq(clientSafeSummaries.visibility, 'client_safe'),
        inArray(clientSafeSummaries.kind, kinds),
      ),
    )
    .returning({ id: clientSafeSummaries.id });
  return stamped.length;
}

export function listClientSafeSummaries(db: Db, opportunityId: string): Promise<ClientSafeSummaryRow[]> {
  const ofDeal = eq(clientSafeSummaries.opportunityId, opportunityId);
  return selectAll(db, clientSafeSummaries, ofDeal, asc(clientSafeSummaries.kind));
}
