import { index, integer, pgTable, text } from 'drizzle-orm/pg-core';
import { tz } from './columns';

/**
 * The API's rate limit, shared by every API process: one fixed window per key (a token's
 * hash or a client address, under the limit's prefix), restarted by the first hit after
 * `resets_at`. Expired rows are deleted in batches as requests come. The table is UNLOGGED
 * (see its migration): a counter lost in a crash costs at most one window of leniency, and
 * no request waits for a WAL flush.
 */
export const rateLimitWindows = pgTable(
  'rate_limit_windows',
  {
    key: text('key').primaryKey(),
    hits: integer('hits').notNull(),
    resetsAt: tz('resets_at').notNull(),
  },
  (t) => [index('rate_limit_windows_resets_idx').on(t.resetsAt)],
);
