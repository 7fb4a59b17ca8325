import { bigserial, index, jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import { id, ref, tz } from './columns';
import { clients } from './clients';
import { dataSources } from './handoff';
import { opportunities } from './opportunities';

/** H1: what arrived from outside (proposal link opens, webhooks), as received. */
export const incomingLogs = pgTable(
  'incoming_logs',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    source: text('source').notNull(),
    opportunityId: ref(() => opportunities.id, 'opportunity_id'),
    dataSourceId: ref(() => dataSources.id, 'data_source_id'),
    payload: jsonb('payload').notNull().default({}),
    receivedAt: tz('received_at').notNull().defaultNow(),
  },
  (t) => [
    index('incoming_logs_opportunity_idx').on(t.opportunityId, t.receivedAt),
    index('incoming_logs_source_idx').on(t.source, t.receivedAt),
  ],
);

/**
 * H1 / M1: point-in-time metrics. Immutable once written (the database refuses UPDATE and
 * DELETE); `key` makes a retried capture a no-op. A deal's reporting baseline has kind
 * `reporting_baseline` and its opportunity id; funnel metrics have none.
 */
export const metricSnapshots = pgTable(
  'metric_snapshots',
  {
    id: id(),
    key: text('key').notNull().unique(),
    kind: text('kind').notNull(),
    opportunityId: ref(() => opportunities.id, 'opportunity_id'),
    clientId: ref(() => clients.id, 'client_id'),
    dataSourceId: ref(() => dataSources.id, 'data_source_id'),
    periodStart: tz('period_start'),
    periodEnd: tz('period_end'),
    values: jsonb('values').$type<Record<string, unknown>>().notNull(),
    capturedAt: tz('captured_at').notNull().defaultNow(),
  },
  (t) => [
    index('metric_snapshots_kind_idx').on(t.kind, t.capturedAt),
    index('metric_snapshots_opportunity_idx').on(t.opportunityId, t.kind),
  ],
);
export type MetricSnapshotRow = typeof metricSnapshots.$inferSelect;
