/**
 * Query, body and response schemas of the metrics and ops routes, with the metric
 * definitions as OpenAPI descriptions (M1, DL1).
 */
import { z } from 'zod';
import { text } from '../../machines/opportunity';
import { LOST_REASONS, OPEN_STAGES, STAGES } from '../../machines/opportunity/vocabulary';
import { RATE_DEFINITIONS, RATE_NAMES, TIME_TO_HANDOFF_DEFINITION } from '../../machines/opportunity/metrics';
import {
  BLOCKED_CODES,
  BLOCKED_DEFINITION,
  TIME_IN_STAGE_DEFINITION,
  WEIGHTED_DEFINITION,
} from '../../machines/opportunity/pipeline-metrics';
import { STUCK_REASONS } from '../../machines/opportunity/stuck-reasons';
import { badRequest } from '../errors';
import { handoffBlockerSchema } from '../schemas/handoff';
import { dealHeadingShape, isoDateTime, ownerIdField, pageOf, pageQuery } from '../schemas/common';

const DAY_MS = 86_400_000;
/** The longest period one request may ask for (the computation reads the period's whole log). */
export const MAX_PERIOD_DAYS = 731;

const period = {
  from: isoDateTime.optional().meta({ description: 'Start of the period, inclusive. Default: 30 days before `to`.' }),
  to: isoDateTime.optional().meta({ description: 'End of the period, exclusive. Default: now.' }),
};

/** A period with its defaults filled in: `to` now, `from` `defaultDays` before `to`. */
export interface ResolvedPeriod {
  from: Date;
  to: Date;
}

/**
 * Fills the defaults and checks the order and length of a period; a bad one is a 4xx naming
 * `from` or `to` under `prefix` (`query.` or the body's empty prefix).
 */
export function resolvePeriod(
  value: { from?: string; to?: string },
  defaultDays: number,
  prefix: string,
  status: 400 | 422,
): ResolvedPeriod {
  const to = value.to ? new Date(value.to) : new Date();
  const from = value.from ? new Date(value.from) : new Date(to.getTime() - defaultDays * DAY_MS);
  if (from >= to)
    throw badRequest('The period is invalid', [{ field: `${prefix}to`, message: 'must be after from' }], status);
  if (to.getTime() - from.getTime() > MAX_PERIOD_DAYS * DAY_MS) {
    throw badRequest(
      'The period is invalid',
      [{ field: `${prefix}from`, message: `the period may span at most ${MAX_PERIOD_DAYS} days` }],
      status,
    );
  }
  return { from, to };
}

export const funnelQuery = z.strictObject({
  ...period,
  ownerId: ownerIdField.optional().meta({ description: "Only deals of this owner (the deal's current owner)." }),
  service: text(200).optional().meta({
    description: 'Only deals whose qualification fact `service_fit` is this text (`unspecified` when not recorded).',
  }),
});

export const snapshotBody = z
  .strictObject(period)
  .meta({ description: 'The period the snapshot covers. Default: the 24 hours before now.' });

export const SNAPSHOT_KINDS = ['funnel', 'reporting_baseline'] as const;
export const snapshotsQuery = z.strictObject({
  ...pageQuery,
  kind: z.enum(SNAPSHOT_KINDS).default('funnel').meta({
    description: '`funnel` (scheduled and on-demand funnel metrics) or `reporting_baseline` (one per handed-off deal).',
  }),
});

export const stuckQuery = z.strictObject({
  ...pageQuery,
  ownerId: ownerIdField.optional().meta({ description: 'Only deals of this owner.' }),
});

const rateSchema = (name: keyof typeof RATE_DEFINITIONS) =>
  z
    .object({ value: z.number().min(0).max(1).nullable(), numerator: z.int(), denominator: z.int() })
    .meta({ description: `${RATE_DEFINITIONS[name]} Null when the denominator is 0.` });

export const funnelReportSchema = z.object({
  counts: z
    .object(Object.fromEntries(STAGES.map((s) => [s, z.int()])) as Record<(typeof STAGES)[number], z.ZodInt>)
    .meta({
      description: 'Distinct deals that entered each stage in the period (lead: created or reactivated in it).',
    }),
  rates: z.object(
    Object.fromEntries(RATE_NAMES.map((name) => [name, rateSchema(name)])) as Record<
      (typeof RATE_NAMES)[number],
      ReturnType<typeof rateSchema>
    >,
  ),
  handoffRecords: rateSchema('handoffRecords'),
  timeToHandoff: z
    .object({
      deals: z.int().min(0).meta({ description: 'Deals that moved into handed_off in the period.' }),
      median: z.number().min(0).nullable().meta({ description: 'Median seconds from won to handed_off.' }),
      p90: z.number().min(0).nullable().meta({ description: 'Nearest-rank 90th percentile, in seconds.' }),
    })
    .meta({ description: TIME_TO_HANDOFF_DEFINITION }),
});

export const funnelSchema = z
  .object({
    period: z.object({ from: isoDateTime, to: isoDateTime }),
    filter: z.object({ ownerId: z.string().optional(), service: z.string().optional() }),
    deals: z.int().meta({ description: 'Deals that count in at least one measure of the period.' }),
    total: funnelReportSchema,
    byOwner: z.array(funnelReportSchema.extend({ ownerId: z.string() })),
    byService: z.array(funnelReportSchema.extend({ service: z.string() })),
  })
  .meta({
    id: 'Funnel',
    description:
      'Funnel counts, the five measures of the guide (M1) and the time from won to handed_off over [from, to), in total, per owner and per service (service_fit).',
  });

export const snapshotSchema = z
  .object({
    id: z.uuid(),
    key: z.string(),
    kind: z.enum(SNAPSHOT_KINDS),
    periodStart: isoDateTime.nullable(),
    periodEnd: isoDateTime.nullable(),
    capturedAt: isoDateTime,
    values: z
      .record(z.string(), z.unknown())
      .meta({ description: 'For `funnel`: the Funnel of the period plus `trigger` (schedule or api).' }),
  })
  .meta({
    id: 'MetricSnapshot',
    description: 'An immutable point-in-time metric snapshot (the database refuses UPDATE and DELETE).',
  });
export const snapshotPageSchema = pageOf(snapshotSchema);

export const stuckDealSchema = z
  .object({
    ...dealHeadingShape,
    ownerName: z.string().nullable().meta({ description: "The owner's name (null when the id names no user)." }),
    reasons: z.array(
      z.object({
        code: z.enum([...STUCK_REASONS, 'handoff_blocked']),
        why: z.string(),
        since: isoDateTime.meta({
          description:
            'Overdue: the next action due date. Decision deadline: the deadline. Dormant: the last activity by a person. Paused and handoff blocked: the latest event of the deal (the reasons have stood unchanged since).',
        }),
      }),
    ),
    since: isoDateTime.meta({ description: 'The earliest `since` of its reasons.' }),
    handoffBlockers: z
      .array(handoffBlockerSchema)
      .meta({ description: 'A won deal whose handoff waits (`handoff_blocked`): what holds it up. Empty otherwise.' }),
    links: z.object({
      self: z.string(),
      workflow: z.string().nullable().meta({ description: "The deal's workflow in the Temporal UI." }),
    }),
  })
  .meta({ id: 'StuckDeal' });
export const stuckPageSchema = pageOf(stuckDealSchema);

// PV1: the pipeline's value, forecast, outcomes, time in stage and time blocked.

export const pipelineQuery = z.strictObject({
  ...period,
  ownerId: ownerIdField.optional().meta({
    description:
      "Only deals of this owner (the deal's current owner). A rep may leave it out or name itself: its own deals are shown either way; naming another owner is 403.",
  }),
});

const cents = z.int().meta({ description: 'Integer cents (minor units ×100) of `currency`.' });
const currencyCode = z.string().meta({ description: 'ISO 4217 code', example: 'EUR' });
const moneySchema = z.object({ currency: currencyCode, deals: z.int().min(0), valueCents: cents });
const weightedMoneySchema = moneySchema.extend({
  weightedCents: cents.meta({ description: WEIGHTED_DEFINITION }),
  probability: z
    .object({ deal: z.int().min(0), proposal: z.int().min(0), none: z.int().min(0) })
    .meta({ description: 'Deals of this currency by where their probability came from.' }),
});
const openSummarySchema = z.object({
  deals: z.int().min(0).meta({ description: 'Open deals, with or without a value.' }),
  withoutValue: z.int().min(0).meta({ description: 'Deals without a value (in no currency entry).' }),
  values: z.array(weightedMoneySchema).meta({ description: 'One entry per currency; never summed across them.' }),
});
const moneySummarySchema = z.object({
  deals: z.int().min(0),
  withoutValue: z.int().min(0),
  values: z.array(moneySchema),
});
const seconds = z.number().min(0);
const ownerNameField = z
  .string()
  .nullable()
  .meta({ description: "The owner's name (null when the id names no user)." });

export const pipelineSchema = z
  .object({
    period: z.object({ from: isoDateTime, to: isoDateTime }),
    filter: z.object({ ownerId: z.string().optional() }),
    asOf: isoDateTime.meta({ description: 'When the read model was read: open value and forecast are as of now.' }),
    open: z
      .object({
        total: openSummarySchema,
        byStage: z.array(openSummarySchema.extend({ stage: z.enum(OPEN_STAGES) })).meta({
          description: 'Every open stage in path order.',
        }),
        byOwner: z.array(openSummarySchema.extend({ ownerId: z.string(), ownerName: ownerNameField })),
      })
      .meta({
        description: `Deals in an open stage (lead to contract) now, with their value and currency from the read model. ${WEIGHTED_DEFINITION}`,
      }),
    forecast: z
      .object({
        months: z.array(openSummarySchema.extend({ month: z.string().meta({ example: '2026-03' }) })),
        unscheduled: openSummarySchema.meta({ description: 'Open deals without an expected close date.' }),
      })
      .meta({
        description:
          'Open deals now by the month (UTC calendar, `YYYY-MM`) of their expected close date, oldest first, past months included: not limited to the period.',
      }),
    won: moneySummarySchema.meta({
      description:
        "Deals that moved into won in the period, with their value now (the read model's; an edit after the win changes it).",
    }),
    lost: moneySummarySchema
      .extend({
        reasons: z.array(moneySummarySchema.extend({ reason: z.enum(LOST_REASONS) })).meta({
          description: 'The lost deals by the reason of their last loss in the period (MARK_LOST `reason`).',
        }),
      })
      .meta({
        description:
          'Deals that moved into lost in the period, each once (a deal lost, reactivated and lost again counts by its last loss), with their value now.',
      }),
    timeInStage: z
      .array(
        z.object({
          stage: z.enum(STAGES),
          stays: z.int().min(0),
          averageSeconds: seconds.nullable(),
          p90Seconds: seconds.nullable(),
        }),
      )
      .meta({ description: TIME_IN_STAGE_DEFINITION }),
    blocked: z
      .array(
        z.object({
          code: z.enum(BLOCKED_CODES),
          source: z.enum(['gate', 'handoff_blocker']).meta({
            description: '`gate`: a gate code of the catalogue; `handoff_blocker`: what holds a won deal’s handoff up.',
          }),
          stages: z.array(z.enum(STAGES)).meta({ description: 'The stages in which it holds a deal up.' }),
          deals: z.int().min(0),
          totalSeconds: seconds,
          averageSeconds: seconds.nullable(),
          p90Seconds: seconds.nullable(),
          ongoing: z.int().min(0),
          longest: z.array(
            z.object({
              id: z.uuid(),
              company: z.string(),
              ownerId: z.string(),
              ownerName: ownerNameField,
              seconds,
              ongoing: z.boolean(),
            }),
          ),
        }),
      )
      .meta({ description: BLOCKED_DEFINITION }),
  })
  .meta({
    id: 'Pipeline',
    description:
      'Pipeline value (PV1): open and weighted value by stage and owner, forecast by expected close month, won and lost value and lost reasons in the period, time in each stage and time blocked on each code. Money is integer cents per currency.',
  });
