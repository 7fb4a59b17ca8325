import { eq } from 'drizzle-orm';
import type { Period } from '../../machines/opportunity/metrics';
import type { Db } from '../client';
import { metricSnapshots, type MetricSnapshotRow } from '../schema';
import { funnelMetrics } from './funnel';
import {
  insertIfAbsent,
  keysetQuery,
  prepared,
  readPage,
  selectOne,
  type Keyset,
  type Page,
  type PageRequest,
} from './support';
import { filterColumns } from './list-filters';

export type { MetricSnapshotRow };

export const FUNNEL_SNAPSHOT_KIND = 'funnel';

/**
 * Computes the funnel of a period and stores it as an immutable `funnel` snapshot under
 * `key`; the same key again returns the stored snapshot (`created: false`) unchanged.
 */
export async function captureFunnelSnapshot(
  db: Db,
  input: { key: string; period: Period; trigger: string },
): Promise<{ snapshot: MetricSnapshotRow; created: boolean }> {
  const existing = await selectOne(db, metricSnapshots, eq(metricSnapshots.key, input.key));
  if (existing) return { snapshot: existing, created: false };
  const funnel = await funnelMetrics(db, input.period);
  const created = await insertIfAbsent(
    db,
    metricSnapshots,
    {
      key: input.key,
      kind: FUNNEL_SNAPSHOT_KIND,
      periodStart: input.period.from,
      periodEnd: input.period.to,
      values: { trigger: input.trigger, ...funnel },
    },
    metricSnapshots.key,
  );
  if (created) return { snapshot: created, created: true };
  return { snapshot: (await selectOne(db, metricSnapshots, eq(metricSnapshots.key, input.key)))!, created: false };
}

const snapshotList = {
  filters: filterColumns(metricSnapshots, 'kind'),
  // A snapshot is immutable, so its capture time can key the page.
  order: [metricSnapshots.capturedAt, metricSnapshots.id],
  descending: true,
} satisfies Keyset;

/** Snapshots of a kind, newest first, with an opaque keyset cursor (prepared). */
export function listMetricSnapshots(db: Db, request: PageRequest & { kind: string }): Promise<Page<MetricSnapshotRow>> {
  const statement = prepared(db, 'metric_snapshots_list', (d) =>
    keysetQuery(d.select().from(metricSnapshots).$dynamic(), snapshotList),
  );
  return readPage(statement, snapshotList, request);
}
