import type { Page } from '../../db/queries/support';
import { InvalidCursorError } from '../../db/queries/support';
import type { Logger } from '../../infra/logger';
import { badRequest } from '../errors';
import type { Reply } from '../idempotency';
import { unreadableColumns } from '../resources/unreadable';

/** Runs a paged query; a cursor this API did not issue is a 400 naming `query.cursor`. */
export async function pageFrom<T>(query: () => Promise<T>): Promise<T> {
  try {
    return await query();
  } catch (error) {
    if (error instanceof InvalidCursorError)
      throw badRequest('The cursor is not valid', [{ field: 'query.cursor', message: error.message }], 400);
    throw error;
  }
}

/** A row left out of a list, with why (`pageOf`'s `skipped`). */
export interface SkippedRow {
  id: string;
  reason: string;
}

export interface RenderOptions<T, R> {
  logger: Logger;
  /** What the list is of, for the log line (e.g. `opportunity`). */
  kind: string;
  /** The row's id as the list names it; default `row.id`. */
  idOf?: (row: T) => string;
  /** Fields of the row (or of its rendering) that cannot be shown; default: its unreadable timestamps. */
  unreadable?: (row: T, item: R) => string[];
}

/** Rows already logged as skipped: a list read again and again logs each bad row once. */
const logged = new Set<string>();
const LOGGED_MAX = 10_000;

function logOnce(logger: Logger, kind: string, skipped: SkippedRow): void {
  const key = `${kind}:${skipped.id}:${skipped.reason}`;
  if (logged.has(key)) return;
  if (logged.size >= LOGGED_MAX) logged.clear();
  logged.add(key);
  logger.warn({ kind, id: skipped.id, reason: skipped.reason }, 'row left out of a list: it cannot be shown');
}

/**
 * Renders each row on its own, so one row can never fail a list: a row whose rendering
 * throws, or that holds a value the API cannot show, is left out of `items` and named in
 * `skipped` (and logged once), and the rest of the page is answered.
 */
export function renderRows<T, R>(
  rows: T[],
  resource: (row: T) => R,
  options: RenderOptions<T, R>,
): { items: R[]; skipped: SkippedRow[] } {
  const idOf = options.idOf ?? ((row: T) => String((row as { id?: unknown }).id));
  const unreadable = options.unreadable ?? ((row: T) => unreadableColumns(row as object));
  const items: R[] = [];
  const skipped: SkippedRow[] = [];
  for (const row of rows) {
    let reason: string;
    try {
      const item = resource(row);
      const fields = unreadable(row, item);
      if (fields.length === 0) {
        items.push(item);
        continue;
      }
      reason = `cannot show ${fields.join(', ')}`;
    } catch (error) {
      reason = `cannot be rendered: ${error instanceof Error ? error.message : String(error)}`;
    }
    const entry = { id: idOf(row), reason };
    skipped.push(entry);
    logOnce(options.logger, options.kind, entry);
  }
  return { items, skipped };
}

/** The body of a whole list: its items, and `skipped` only when a row was left out. */
export function listBody<R>(rendered: { items: R[]; skipped: SkippedRow[] }) {
  return { items: rendered.items, ...(rendered.skipped.length > 0 ? { skipped: rendered.skipped } : {}) };
}

/** The body of one page of a list: `listBody` and the cursor of the next page. */
export const pageBody = <R>(rendered: { items: R[]; skipped: SkippedRow[] }, nextCursor: string | null) => ({
  ...listBody(rendered),
  nextCursor,
});

/** The reply of a list route: one page of rows as resources, and the cursor of the next page. */
export async function pageReply<T, R>(
  query: () => Promise<Page<T>>,
  resource: (row: T) => R,
  options: RenderOptions<T, R>,
): Promise<Reply> {
  const page = await pageFrom(query);
  return { body: pageBody(renderRows(page.items, resource, options), page.nextCursor) };
}
