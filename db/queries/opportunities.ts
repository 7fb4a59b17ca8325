import { and, asc, desc, eq, gte, isNotNull, isNull, lt, lte, sql, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import { z } from 'zod';
import type { LostReason, Stage } from '../../machines/opportunity/vocabulary';
import type { Db } from '../client';
import { opportunities, type OpportunityRow } from '../schema';
import {
  definedOnly,
  encodeCursor,
  insertIfAbsent,
  InvalidCursorError,
  prepared,
  rowById,
  type Page,
  type PageRequest,
} from './support';

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

/* SR1: finding deals — text search, filters, sorts and keyset cursors over the read model. */

/** What a list can be sorted by besides the default, the id. */
export const OPPORTUNITY_SORTS = ['nextActionDue', 'value', 'expectedClose', 'lastActivity', 'created'] as const;
export type OpportunitySort = (typeof OPPORTUNITY_SORTS)[number];
export type SortOrder = 'asc' | 'desc';

const SORT_COLUMNS: Record<OpportunitySort | 'id', PgColumn> = {
  nextActionDue: opportunities.nextActionDueAt,
  value: opportunities.valueCents,
  expectedClose: opportunities.expectedCloseDate,
  lastActivity: opportunities.lastActivityAt,
  created: opportunities.createdAt,
  id: opportunities.id,
};

/** A request for one page of deals: every filter is optional and they combine with AND. */
export interface OpportunityFilter extends PageRequest {
  /** Words to find in company, title and contact name or email, each as a prefix of a word there. */
  q?: string;
  stage?: Stage;
  ownerId?: string;
  overdue?: boolean;
  dormant?: boolean;
  /** Follow-up or proposal work paused for at least one reason (false: neither paused). */
  paused?: boolean;
  currency?: string;
  /** Inclusive bounds on the value in minor units (cents); a deal without a value is outside any range. */
  valueMin?: number;
  valueMax?: number;
  /** Inclusive bounds on the expected close date (ISO dates); a deal without one is outside any range. */
  closeFrom?: string;
  closeTo?: string;
  /** Rows whose read model changed at or after this instant. */
  updatedSince?: Date;
  /** Default: the id, as the list always was. */
  sort?: OpportunitySort;
  order?: SortOrder;
}

/**
 * Where the previous page ended: the sort, so a cursor is never read against another sort, and
 * that last row's sort key (as Postgres writes it: exact, even for microseconds or a BC date;
 * null when the row had none) and id. Cursors of the id order carry no key; `{ id }` alone is
 * the cursor this list issued before it had sorts, still honoured as the id order ascending.
 */
const cursorShape = z.union([
  z.strictObject({
    s: z.enum([...OPPORTUNITY_SORTS, 'id']),
    o: z.enum(['asc', 'desc']),
    k: z.string().max(100).nullable(),
    id: z.uuid(),
  }),
  z.strictObject({ id: z.uuid() }).transform(({ id }) => ({ s: 'id' as const, o: 'asc' as const, k: null, id })),
]);
type Position = z.infer<typeof cursorShape>;

/** The text form Postgres gives each sort key type (DateStyle ISO): a forged cursor fails here, not in SQL. */
const KEY_TEXT: Record<string, RegExp> = {
  bigint: /^-?[0-9]{1,19}$/,
  date: /^([0-9]{4,}-[0-9]{2}-[0-9]{2}( BC)?|-?infinity)$/,
  'timestamp with time zone':
    /^([0-9]{4,}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?[+-][0-9]{2}(:[0-9]{2}){0,2}( BC)?|-?infinity)$/,
};

function positionOf(cursor: string | undefined, sort: OpportunitySort | 'id', order: SortOrder): Position | null {
  if (cursor === undefined) return null;
  let position: Position;
  try {
    position = cursorShape.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
  } catch {
    throw new InvalidCursorError();
  }
  if (position.s !== sort || position.o !== order) throw new InvalidCursorError();
  const keyText = KEY_TEXT[SORT_COLUMNS[sort].getSQLType()];
  if (sort === 'id' ? position.k !== null : position.k !== null && !keyText.test(position.k))
    throw new InvalidCursorError();
  return position;
}

/**
 * The search as a tsquery: every word of `q`, as the same parser splits the `search` column
 * (so an email or a hyphenated name stays one term), each a prefix, all required. Built by
 * Postgres from the bound text: user input never becomes SQL or tsquery syntax, so `&`, `|`,
 * `!` or `:*` in `q` are only separators. Null when `q` has no word.
 */
async function prefixQueryOf(db: Db, q: string): Promise<string | null> {
  const statement = prepared(db, 'opportunities_search_terms', (d) =>
    d
      .select({
        terms: sql<
          string | null
        >`string_agg('''' || replace(replace(lexeme, '\\', '\\\\'), '''', '''''') || ''':*', ' & ')`,
      })
      .from(sql`unnest(to_tsvector('simple', ${sql.placeholder('q')}::text)) AS words`),
  );
  const [row] = await statement.execute({ q });
  return row?.terms ?? null;
}

/** The filters of the request, as conditions (the given ones only). */
function filterConditions(filter: OpportunityFilter, terms: string | null): SQL[] {
  const o = opportunities;
  const paused = sql`(cardinality(${o.followUpPauseReasons}) > 0 OR cardinality(${o.proposalPauseReasons}) > 0)`;
  const given = <T>(value: T | undefined, condition: (v: T) => SQL | undefined) =>
    value === undefined ? [] : [condition(value)!];
  return [
    ...given(terms ?? undefined, (t) => sql`${o.search} @@ ${t}::tsquery`),
    ...given(filter.stage, (v) => eq(o.stage, v)),
    ...given(filter.ownerId, (v) => eq(o.ownerId, v)),
    ...given(filter.overdue, (v) => eq(o.overdue, v)),
    ...given(filter.dormant, (v) => eq(o.dormant, v)),
    ...given(filter.paused, (v) => (v ? paused : sql`NOT ${paused}`)),
    ...given(filter.currency, (v) => eq(o.currency, v)),
    ...given(filter.valueMin, (v) => gte(o.valueCents, v)),
    ...given(filter.valueMax, (v) => lte(o.valueCents, v)),
    ...given(filter.closeFrom, (v) => gte(o.expectedCloseDate, v)),
    ...given(filter.closeTo, (v) => lte(o.expectedCloseDate, v)),
    ...given(filter.updatedSince, (v) => gte(o.updatedAt, v)),
  ];
}

/**
 * Deals matching the filter, in the sort asked (ties by id in the same direction; deals without
 * the sort key last, in either direction), one page at a time with an opaque cursor.
 *
 * What a cursor guarantees (keyset on (sort key, id), no offsets): the next page starts strictly
 * after the (key, id) the previous page's last row had when that page was read, as the cursor
 * carries them. So a row that matches throughout a walk and whose sort key does not change is
 * listed exactly once, whatever other rows are inserted, updated or moved in between — the
 * last row listed included, even when its own key changes. A row whose sort key changes during
 * the walk is listed where its new key falls: again if that is still ahead of the cursor, not
 * at all if it moved behind before being reached. Rows that start or stop matching a filter
 * appear or not accordingly.
 *
 * Not one named prepared statement: the conditions present vary with the request, and a plan
 * made for unknown values could not choose between the GIN index of the search and the index of
 * the sort; the values are bound parameters all the same.
 */
export async function listOpportunities(db: Db, filter: OpportunityFilter): Promise<Page<OpportunityRow>> {
  const sort = filter.sort ?? 'id';
  const order = filter.order ?? 'asc';
  const after = positionOf(filter.cursor, sort, order);
  let terms: string | null = null;
  if (filter.q !== undefined) {
    terms = await prefixQueryOf(db, filter.q);
    if (terms === null) return { items: [], nextCursor: null };
  }
  const conditions = filterConditions(filter, terms);
  const wanted = filter.limit + 1;
  const column = SORT_COLUMNS[sort];
  const id = opportunities.id;
  const direction = order === 'asc' ? asc : desc;
  const beyond = sql.raw(order === 'asc' ? '>' : '<');
  const select = (where: SQL[], orderBy: SQL[], limit: number) =>
    db
      .select({ row: opportunities, key: sql<string | null>`${column}::text` })
      .from(opportunities)
      .where(and(...where))
      .orderBy(...orderBy)
      .limit(limit);

  const run = async () => {
    if (sort === 'id') {
      const cursor = after ? [sql`${id} ${beyond} ${after.id}::uuid`] : [];
      return select([...conditions, ...cursor], [direction(id)], wanted);
    }
    // Two index-ordered reads instead of one NULLS LAST sort, which no index of (key, id) serves when descending.
    const keyed =
      after?.k === null
        ? []
        : await select(
            [
              ...conditions,
              isNotNull(column),
              ...(after
                ? [sql`(${column}, ${id}) ${beyond} (${after.k}::${sql.raw(column.getSQLType())}, ${after.id}::uuid)`]
                : []),
            ],
            [direction(column), direction(id)],
            wanted,
          );
    if (keyed.length >= wanted) return keyed;
    const unkeyed = await select(
      [...conditions, isNull(column), ...(after?.k === null ? [sql`${id} ${beyond} ${after.id}::uuid`] : [])],
      [direction(id)],
      wanted - keyed.length,
    );
    return [...keyed, ...unkeyed];
  };

  let rows: { row: OpportunityRow; key: string | null }[];
  try {
    rows = await run();
  } catch (error) {
    // A key that reads as its type's text but not as a value of it (a forged `2026-13-45`).
    if (after && sqlStateClass(error) === '22') throw new InvalidCursorError();
    throw error;
  }
  const items = rows.slice(0, filter.limit);
  const last = rows.length > filter.limit ? rows[filter.limit - 1] : undefined;
  return {
    items: items.map((r) => r.row),
    nextCursor: last ? encodeCursor({ s: sort, o: order, k: sort === 'id' ? null : last.key, id: last.row.id }) : null,
  };
}

/** The class (first two characters) of a Postgres error's SQLSTATE, through drizzle's wrapping. */
function sqlStateClass(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth += 1) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code.slice(0, 2);
  }
  return undefined;
}
