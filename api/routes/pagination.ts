import type { Page } from '../../db/queries/support';
import { InvalidCursorError } from '../../db/queries/support';
import { badRequest } from '../errors';
import type { Reply } from '../idempotency';

/** Runs a paged query; a cursor this API did not issue is a 400 naming `query.cursor`. */
export async function pageFrom<T>(query: () => Promise<T>): Promise<T> {
  try {
    return await query();
  } catch (error) {
    if (error instanceof InvalidCursorError) throw badRequest('The cursor is not valid', [{ field: 'query.cursor', message: error.message }], 400);
    throw error;
  }
}

/** The reply of a list route: one page of rows as resources, and the cursor of the next page. */
export async function pageReply<T, R>(query: () => Promise<Page<T>>, resource: (row: T) => R): Promise<Reply> {
  const page = await pageFrom(query);
  return { body: { items: page.items.map(resource), nextCursor: page.nextCursor } };
}
