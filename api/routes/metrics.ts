import { randomUUID } from 'node:crypto';
import { funnelMetrics } from '../../db/queries/funnel';
import { pipelineMetrics } from '../../db/queries/pipeline';
import { userNames } from '../../db/queries/users-lookup';
import { captureFunnelSnapshot, listMetricSnapshots, type MetricSnapshotRow } from '../../db/queries/metric-snapshots';
import type { AppDeps } from '../app';
import {
  funnelQuery,
  funnelSchema,
  pipelineQuery,
  pipelineSchema,
  resolvePeriod,
  snapshotBody,
  snapshotPageSchema,
  snapshotSchema,
  snapshotsQuery,
} from '../metrics/schemas';
import { forbidden } from '../errors';
import { iso } from '../resources/unreadable';
import { apiRouter, type ApiRouter } from '../route-kit';

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
      method: 'get',
      path: '/metrics/pipeline',
      summary: 'Pipeline value, forecast, won and lost value, time in stage and time blocked per code (PV1)',
      description:
        'Open and weighted value (per stage, per owner) and the forecast by expected close month are read from the read model now; ' +
        'won and lost value, lost reasons, time in stage and time blocked are read from the event log over [from, to) (default: the 30 days before now). ' +
        'Money is integer cents per currency, never added across currencies. Ops and admin see every owner or the one named by `ownerId`; ' +
        'a rep sees its own deals only (naming another owner is 403). Every definition is in the response schema.',
      tags: ['Metrics'],
      roles: [...OPS, 'rep'],
      query: pipelineQuery,
      success: { status: 200, description: 'The pipeline of the period', schema: pipelineSchema },
    },
    async ({ principal, query }) => {
      // O1: a rep's figures are its own deals'; refusing another owner says so instead of answering zeros.
      if (principal.role === 'rep' && query.ownerId !== undefined && query.ownerId !== principal.userId)
        throw forbidden('A rep sees the pipeline of its own deals only');
      const ownerId = principal.role === 'rep' ? principal.userId : query.ownerId;
      const period = resolvePeriod(query, 30, 'query.', 400);
      const asOf = new Date();
      const facts = await pipelineMetrics(db, period, { ownerId }, asOf);
      const names = await userNames(db, [
        ...facts.open.byOwner.map((o) => o.ownerId),
        ...facts.blocked.flatMap((b) => b.longest.map((d) => d.ownerId)),
      ]);
      const nameOf = (id: string) => names.get(id) ?? null;
      return {
        body: {
          period: { from: period.from.toISOString(), to: period.to.toISOString() },
          filter: ownerId === undefined ? {} : { ownerId },
          asOf: asOf.toISOString(),
          open: {
            ...facts.open,
            byOwner: facts.open.byOwner.map((o) => ({ ...o, ownerName: nameOf(o.ownerId) })),
          },
          forecast: facts.forecast,
          won: facts.outcomes.won,
          lost: facts.outcomes.lost,
          timeInStage: facts.timeInStage,
          blocked: facts.blocked.map((b) => ({
            ...b,
            longest: b.longest.map((d) => ({ ...d, ownerName: nameOf(d.ownerId) })),
          })),
        },
      };
    },
  );

  pipelineRoute({ add, list }, { db });

  return router;
}

/** PV1: the pipeline route, on the metrics router. */
function pipelineRoute({ add, list }: Pick<ApiRouter, 'add' | 'list'>, { db }: Pick<AppDeps, 'db'>) {
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
}
