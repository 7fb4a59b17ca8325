import { and, desc, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Period } from '../../machines/opportunity/metrics';
import type { Db } from '../client';
import { metricSnapshots, type MetricSnapshotRow } from '../schema';
import { funnelMetrics } from './funnel';
import {
  decodeCursor,
  insertIfAbsent,
  optionalEquals,
  prepared,
  selectOne,
  toPage,
  type Page,
  type PageRequest,
} from './support';

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

/** The last snapshot of the page, by id: its position is read from that (immutable) row, so any stored time pages. */
const snapshotCursor = z.object({ id: z.uuid() });

/** Snapshots of a kind, newest first, with an opaque keyset cursor (prepared). */
export async function listMetricSnapshots(
  db: Db,
  request: PageRequest & { kind: string },
): Promise<Page<MetricSnapshotRow>> {
  const afterId = sql`${sql.placeholder('afterId')}::uuid`;
  const statement = prepared(db, 'metric_snapshots_list', (d) =>
    d
      .select()
      .from(metricSnapshots)
      .where(
        and(
          optionalEquals(metricSnapshots.kind, 'kind', 'text'),
          sql`(${afterId} IS NULL OR (${metricSnapshots.capturedAt}, ${metricSnapshots.id}) < (SELECT s.captured_at, s.id FROM ${metricSnapshots} s WHERE s.id = ${afterId}))`,
        ),
      )
      .orderBy(desc(metricSnapshots.capturedAt), desc(metricSnapshots.id))
      .limit(sql.placeholder('limit')),
  );
  const after = decodeCursor(request.cursor, snapshotCursor);
  const rows = await statement.execute({ kind: request.kind, afterId: after?.id ?? null, limit: request.limit + 1 });
  return toPage(rows, request.limit, (row) => ({ id: row.id }));
}
