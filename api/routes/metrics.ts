import { randomUUID } from 'node:crypto';
import { funnelMetrics } from '../../db/queries/funnel';
import { captureFunnelSnapshot, listMetricSnapshots, type MetricSnapshotRow } from '../../db/queries/metric-snapshots';
import type { AppDeps } from '../app';
import {
  funnelQuery,
  funnelSchema,
  resolvePeriod,
  snapshotBody,
  snapshotPageSchema,
  snapshotSchema,
  snapshotsQuery,
} from '../metrics/schemas';
import { iso } from '../resources/unreadable';
import { apiRouter } from '../route-kit';

export const snapshotResource = (row: MetricSnapshotRow) => ({
  id: row.id,
  key: row.key,
  kind: row.kind,
  periodStart: iso(row.periodStart),
  periodEnd: iso(row.periodEnd),
  capturedAt: iso(row.capturedAt),
  values: row.values,
});

const OPS = ['admin', 'ops'] as const;

/** M1: the funnel measures and their snapshots (definitions: machines/opportunity/metrics.ts). */
export function metricsRoutes({ db, logger }: AppDeps) {
  const { router, add, list } = apiRouter('/v1', { db, logger });

  add(
    {
      method: 'get',
      path: '/metrics/funnel',
      summary: 'Funnel counts, the five measures and the time to handoff of a period (M1)',
      description:
        'Computed from the event log over [from, to), in total, per owner and per service (the qualification fact service_fit). ' +
        'Each rate carries its numerator and denominator and is null when the denominator is 0. Definitions are in the response schema.',
      tags: ['Metrics'],
      roles: OPS,
      query: funnelQuery,
      success: { status: 200, description: 'The funnel of the period', schema: funnelSchema },
    },
    async ({ query }) => {
      const period = resolvePeriod(query, 30, 'query.', 400);
      return { body: await funnelMetrics(db, period, { ownerId: query.ownerId, service: query.service }) };
    },
  );

  add(
    {
      method: 'post',
      path: '/metrics/snapshots',
      summary: 'Capture a funnel snapshot now (M1)',
      description:
        'Stores the funnel of the period as an immutable snapshot. The snapshot key derives from the Idempotency-Key, so a retry stores nothing new.',
      tags: ['Metrics'],
      roles: OPS,
      body: snapshotBody,
      success: {
        status: 201,
        description: 'The snapshot (200 when this key had already captured it)',
        schema: snapshotSchema,
      },
    },
    async ({ principal, body, idempotencyKey }) => {
      const period = resolvePeriod(body, 1, '', 422);
      const key = `funnel:api:${principal.userId}:${idempotencyKey ?? randomUUID()}`;
      const { snapshot, created } = await captureFunnelSnapshot(db, { key, period, trigger: 'api' });
      return { status: created ? 201 : 200, body: snapshotResource(snapshot) };
    },
  );

  list(
    {
      path: '/metrics/snapshots',
      summary: 'List metric snapshots, newest first (M1, H1 metric_snapshots)',
      description:
        'Funnel snapshots are written by the Temporal Schedule `metrics-snapshots` (every METRICS_SCHEDULE_INTERVAL_SECONDS) and on demand.',
      tags: ['Metrics'],
      roles: OPS,
      query: snapshotsQuery,
    },
    { of: 'metric snapshots', schema: snapshotPageSchema, resource: snapshotResource },
    ({ query }) => listMetricSnapshots(db, query),
  );

  return router;
}
