import { and, eq, lt, sql } from 'drizzle-orm';
import type { LostReason, Stage } from '../../machines/opportunity/vocabulary';
import type { Db } from '../client';
import { opportunities, type OpportunityRow } from '../schema';
import {
  definedOnly,
  insertIfAbsent,
  keysetQuery,
  prepared,
  readPage,
  rowById,
  type Keyset,
  type ListRequest,
  type Page,
} from './support';
import { filterColumns } from './list-filters';

export type { OpportunityRow };

export interface NewOpportunity extends Partial<
  Omit<OpportunityProjection, 'id' | 'version' | 'stage' | 'snapshot' | 'ownerId' | 'source'>
> {
  id: string;
  workflowId: string;
  title: string;
  company: string;
  ownerId: string;
  source: string | null;
  stage: Stage;
  snapshot: unknown;
  version: number;
}

/** Creates the read-model row once; a retry returns the row already there. */
export async function insertOpportunity(db: Db, opportunity: NewOpportunity): Promise<OpportunityRow> {
  const created = await insertIfAbsent(db, opportunities, opportunity, opportunities.id);
  return created ?? (await getOpportunity(db, opportunity.id))!;
}

/** Everything the workflow projects from the machine state after an accepted event. */
export interface OpportunityProjection {
  id: string;
  version: number;
  stage: Stage;
  snapshot: unknown;
  ownerId: string;
  source: string | null;
  nextActionDescription: string | null;
  nextActionDueAt: Date | null;
  nextActionOwner: string | null;
  followUpPauseReasons: string[];
  proposalPauseReasons: string[];
  scopeState: string;
  clientSafeStatus: string;
  decisionDeadline: Date | null;
  lostReason: LostReason | null;
  lostDetail: string | null;
  reactivateAt: Date | null;
  lostAt: Date | null;
}

/**
 * Moves the read model forward. Applied only when `p.version` is newer than the row's, so
 * a late or replayed projection is ignored; returns whether it was applied.
 */
export async function projectOpportunity(db: Db, p: OpportunityProjection): Promise<boolean> {
  const { id, ...fields } = p;
  const applied = await db
    .update(opportunities)
    .set({ ...fields, updatedAt: sql`now()` })
    .where(and(eq(opportunities.id, id), lt(opportunities.version, p.version)))
    .returning({ id: opportunities.id });
  return applied.length > 0;
}

/** What the workflow flags beside the machine state: timers (DL1 overdue, dormant) and a write refused for good. */
export interface OpportunityFlags {
  overdue: boolean;
  dormant: boolean;
  blockedCode: string | null;
  blockedDetail: string | null;
  blockedAt: Date | null;
}

/** Sets the flags given; returns whether the row exists. */
export async function setOpportunityFlags(db: Db, flags: { id: string } & Partial<OpportunityFlags>): Promise<boolean> {
  const { id, ...given } = flags;
  const updated = await db
    .update(opportunities)
    .set({ ...definedOnly(given), updatedAt: sql`now()` })
    .where(eq(opportunities.id, id))
    .returning({ id: opportunities.id });
  return updated.length > 0;
}

/** One opportunity (prepared). */
export function getOpportunity(db: Db, id: string): Promise<OpportunityRow | null> {
  return rowById(db, 'opportunity_by_id', opportunities, id);
}

const opportunityList = {
  filters: filterColumns(opportunities, 'stage', 'ownerId', 'overdue', 'dormant'),
  order: [opportunities.id],
} satisfies Keyset;

export type OpportunityFilter = ListRequest<typeof opportunityList>;

/** Opportunities by stage, owner and flags, in id order with an opaque keyset cursor (prepared). */
export function listOpportunities(db: Db, filter: OpportunityFilter): Promise<Page<OpportunityRow>> {
  const statement = prepared(db, 'opportunities_list', (d) =>
    keysetQuery(d.select().from(opportunities).$dynamic(), opportunityList),
  );
  return readPage(statement, opportunityList, filter);
}
