import { eq, sql, type SQL } from 'drizzle-orm';
import type { PgColumn, PgTable, PgUpdateSetSource } from 'drizzle-orm/pg-core';
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

export const uuidCursor = z.object({ id: z.uuid() });

/** `column = :name`, or true when the parameter is null: one prepared statement serves every filter. */
export function optionalEquals(column: PgColumn | SQL, name: string, type: string): SQL {
  const value = sql`${sql.placeholder(name)}::${sql.raw(type)}`;
  return sql`(${value} IS NULL OR ${column} = ${value})`;
}

/** `column > :after`, or true on the first page. */
export function optionalAfter(column: PgColumn, name: string, type: string): SQL {
  const value = sql`${sql.placeholder(name)}::${sql.raw(type)}`;
  return sql`(${value} IS NULL OR ${column} > ${value})`;
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

interface UpsertOptions<T extends PgTable> {
  target: PgColumn[];
  /** The columns whose change makes the write an update; unchanged, the row stays as it is. */
  compared: PgColumn[];
  set: PgUpdateSetSource<T>;
  /** Finds the row when nothing was written. */
  existing: SQL;
}

/** Insert, or update only when a compared column differs; returns the row either way. */
export async function upsertUnlessUnchanged<T extends PgTable>(
  db: Db,
  table: T,
  values: T['$inferInsert'],
  options: UpsertOptions<T>,
): Promise<T['$inferSelect']> {
  const changed = options.compared.map((c) => sql`${c} IS DISTINCT FROM excluded.${sql.identifier(c.name)}`);
  const rows = await db
    .insert(table)
    .values(values)
    .onConflictDoUpdate({ target: options.target, set: options.set, setWhere: sql`(${sql.join(changed, sql` OR `)})` })
    .returning();
  return (rows as T['$inferSelect'][])[0] ?? (await selectOne(db, table, options.existing))!;
}

/** Drops the keys whose value is undefined, so a partial update sets only what was given. */
export function definedOnly<T extends object>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as Partial<T>;
}
