import { and, desc, eq, getTableColumns, sql, type SQL } from 'drizzle-orm';
import type { PgColumn, PgSelect, PgTable, PgUpdateSetSource } from 'drizzle-orm/pg-core';
import { z } from 'zod';
import type { Db } from '../client';

/* Helpers every query module shares: prepared statements, cursors, insert-once. */

const statements = new WeakMap<object, Map<string, unknown>>();

/**
 * A named prepared statement, built once per pool or transaction. node-postgres prepares it
 * on each connection the first time that connection runs it.
 */
export function prepared<P>(db: Db, name: string, build: (db: Db) => { prepare(name: string): P }): P {
  let byName = statements.get(db);
  if (!byName) statements.set(db, (byName = new Map()));
  if (!byName.has(name)) byName.set(name, build(db).prepare(name));
  return byName.get(name) as P;
}

/** Runs `work` in a transaction (a savepoint when `db` is already one). */
export function inTransaction<T>(db: Db, work: (tx: Db) => Promise<T>): Promise<T> {
  return db.transaction((tx) => work(tx as unknown as Db));
}

export class InvalidCursorError extends Error {
  readonly code = 'invalid_cursor';
  constructor() {
    super('cursor is not one this API issued');
  }
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface PageRequest {
  cursor?: string;
  limit: number;
}

/** An opaque cursor: base64url of the JSON position. */
export function encodeCursor(position: unknown): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

/** Decodes a cursor issued by `encodeCursor`; anything else throws InvalidCursorError. */
export function decodeCursor<T>(cursor: string | undefined, shape: z.ZodType<T>): T | null {
  if (cursor === undefined) return null;
  try {
    return shape.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
  } catch {
    throw new InvalidCursorError();
  }
}

/** Rows fetched with `limit + 1`: the extra row only says another page exists. */
export function toPage<T>(rows: T[], limit: number, positionOf: (row: T) => unknown): Page<T> {
  const items = rows.slice(0, limit);
  const more = rows.length > limit;
  return { items, nextCursor: more ? encodeCursor(positionOf(items[items.length - 1])) : null };
}

/** Every list but the event log pages by the id of the page's last row. */
const uuidCursor = z.object({ id: z.uuid() });

/** `column = :name`, or true when the parameter is null: one prepared statement serves every filter. */
function optionalEquals(column: PgColumn, name: string): SQL {
  const value = sql`${sql.placeholder(name)}::${sql.raw(column.getSQLType())}`;
  return sql`(${value} IS NULL OR ${column} = ${value})`;
}

/**
 * The rows after the cursor's row `:after` in `order`, or true on the first page. With sort keys
 * before the id, their values are read from that row rather than carried in the cursor, so a value
 * JavaScript cannot represent (a BC date, infinity) still pages, at full precision; a listed row's
 * sort keys must therefore never change.
 */
function afterCursorRow(order: readonly PgColumn[], descending: boolean): SQL {
  const after = sql`${sql.placeholder('after')}::uuid`;
  const id = order[order.length - 1];
  const beyond = sql.raw(descending ? '<' : '>');
  if (order.length === 1) return sql`(${after} IS NULL OR ${id} ${beyond} ${after})`;
  const cursorRow = (column: PgColumn) => sql`cursor_row.${sql.identifier(column.name)}`;
  const position = sql`SELECT ${sql.join(order.map(cursorRow), sql`, `)} FROM ${id.table} cursor_row WHERE ${cursorRow(id)} = ${after}`;
  return sql`(${after} IS NULL OR (${sql.join([...order], sql`, `)}) ${beyond} (${position}))`;
}

/** A list's optional equality filters: the column each request field of that name is compared with. */
export type ListFilters = Record<string, PgColumn>;

/** The request fields the filters read, typed as their columns. */
type FilterValues<F extends ListFilters> = { [K in keyof F]?: F[K]['_']['data'] };

/** How a list is filtered and paged. */
export interface Keyset<F extends ListFilters = ListFilters> {
  /** Optional equality filters, each read from the request field of its name. */
  filters: F;
  /** What every listed row meets besides the filters. */
  where?: SQL;
  /** The sort keys, the last one the row's id, which breaks ties. */
  order: readonly PgColumn[];
  descending?: boolean;
}

/** A page request of a list: its cursor and limit, and a value for any of its filters. */
export type ListRequest<L extends Keyset> = PageRequest & FilterValues<L['filters']>;

/** `rows` as the list's statement: filtered, after the cursor's row, in order, `:limit` of them. */
export function keysetQuery<Q extends PgSelect>(rows: Q, list: Keyset): Q {
  const filters = Object.entries(list.filters).map(([field, column]) => optionalEquals(column, field));
  const order = list.descending ? list.order.map((column) => desc(column)) : list.order;
  return rows
    .where(and(...filters, list.where, afterCursorRow(list.order, list.descending ?? false)))
    .orderBy(...order)
    .limit(sql.placeholder('limit'));
}

/** One page of a list from its `keysetQuery` statement; `limit + 1` rows tell whether another page exists. */
export async function readPage<
  Row extends { id: string },
  F extends ListFilters,
  R extends PageRequest & FilterValues<F>,
>(
  statement: { execute(params: Record<string, unknown>): Promise<Row[]> },
  list: Keyset<F>,
  // Every filter must name a field of the request: one that does not would never filter.
  request: R & { [K in Exclude<keyof F, keyof R>]: never },
): Promise<Page<Row>> {
  const given = request as Record<string, unknown>;
  const rows = await statement.execute({
    ...Object.fromEntries(Object.keys(list.filters).map((field) => [field, given[field] ?? null])),
    after: decodeCursor(request.cursor, uuidCursor)?.id ?? null,
    limit: request.limit + 1,
  });
  return toPage(rows, request.limit, (row) => ({ id: row.id }));
}

/** One row of `table` by its id, through the prepared statement `name`. */
export async function rowById<T extends PgTable & { id: PgColumn }>(
  db: Db,
  name: string,
  table: T,
  id: string,
): Promise<T['$inferSelect'] | null> {
  const statement = prepared(db, name, (d) =>
    d
      .select()
      .from(table as PgTable)
      .where(eq(table.id, sql.placeholder('id'))),
  );
  const [row] = (await statement.execute({ id })) as T['$inferSelect'][];
  return row ?? null;
}

type KeyedTable = PgTable & { key: PgColumn };

/** Inserts unless the conflict target exists; returns the new row, or undefined when it existed. */
export async function insertIfAbsent<T extends PgTable>(
  db: Db,
  table: T,
  values: T['$inferInsert'],
  target: PgColumn | PgColumn[],
): Promise<T['$inferSelect'] | undefined> {
  const rows = await db.insert(table).values(values).onConflictDoNothing({ target }).returning();
  return (rows as T['$inferSelect'][])[0];
}

/** The idempotent write of every keyed record: the row with this key, new or existing. */
export async function insertOnceByKey<T extends KeyedTable>(
  db: Db,
  table: T,
  values: T['$inferInsert'] & { key: string },
): Promise<T['$inferSelect']> {
  const created = await insertIfAbsent(db, table, values, table.key);
  return created ?? (await selectOne(db, table, eq(table.key, values.key)))!;
}

/** The first row of `table` matching `where`, or undefined. */
export async function selectOne<T extends PgTable>(
  db: Db,
  table: T,
  where: SQL,
): Promise<T['$inferSelect'] | undefined> {
  const rows: unknown[] = await db
    .select()
    .from(table as PgTable)
    .where(where)
    .limit(1);
  return rows[0] as T['$inferSelect'] | undefined;
}

/** The rows of `table` matching `where`, in `order`. */
export async function selectAll<T extends PgTable>(
  db: Db,
  table: T,
  where: SQL,
  ...order: SQL[]
): Promise<T['$inferSelect'][]> {
  const rows: unknown[] = await db
    .select()
    .from(table as PgTable)
    .where(where)
    .orderBy(...order);
  return rows as T['$inferSelect'][];
}

/** A text approved for the client (K1): its body and visibility are what an approval covers. */
type ApprovableText = PgTable & { body: PgColumn; visibility: PgColumn };

/**
 * Writes the text with this key: a new row or, only when its body or visibility changed, those
 * and `onChange` (how the table voids the earlier approval); the same text again changes
 * nothing. Returns the row either way.
 */
export async function upsertApprovableText<T extends ApprovableText, V extends T['$inferInsert']>(
  db: Db,
  table: T,
  values: V & { body: string; visibility: string },
  key: (keyof V & keyof T['_']['columns'])[],
  onChange: PgUpdateSetSource<T>,
): Promise<T['$inferSelect']> {
  const columns = getTableColumns(table) as Record<string, PgColumn>;
  const target = key.map((field) => columns[field as string]);
  const changed = [table.body, table.visibility].map(
    (column) => sql`${column} IS DISTINCT FROM excluded.${sql.identifier(column.name)}`,
  );
  const set = { body: values.body, visibility: values.visibility, ...onChange, updatedAt: sql`now()` };
  const rows = await db
    .insert(table)
    .values(values)
    .onConflictDoUpdate({ target, set, setWhere: sql`(${sql.join(changed, sql` OR `)})` })
    .returning();
  const existing = and(...key.map((field) => eq(columns[field as string], values[field])))!;
  return (rows as T['$inferSelect'][])[0] ?? (await selectOne(db, table, existing))!;
}

/** Drops the keys whose value is undefined, so a partial update sets only what was given. */
export function definedOnly<T extends object>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as Partial<T>;
}
