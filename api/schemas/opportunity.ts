import { z } from 'zod';
import {
  EVENT_TYPES,
  FOLLOW_UP_PAUSE_REASONS,
  GATE_CODES,
  LOST_REASONS,
  line,
  PROPOSAL_PAUSE_REASONS,
  safeText,
  STAGES,
} from '../../machines/opportunity';
import { OPPORTUNITY_SORTS } from '../../db/queries/opportunities';
import { documentSchema } from '../openapi/registry';
import { handoffBlockerSchema } from './handoff';
import {
  booleanQuery,
  dealHeadingShape,
  isoDate,
  isoDateTime,
  nullableIso,
  ownerIdField,
  pageOf,
  pageQuery,
  uuidExample,
} from './common';

const trimmed = (max: number) => safeText({ max, trim: true });

/** Creating a lead. Stage, version and approvals are the workflow's: sending them is refused by name. */
export const createOpportunityBody = documentSchema(
  'CreateOpportunity',
  z
    .strictObject({
      title: trimmed(200),
      company: trimmed(200),
      source: trimmed(200).optional(),
      /** Ops and admin may assign another owner; a rep always owns what it creates. */
      ownerId: z.uuid().optional(),
      /** The lead's first next action (E1); without one, "Qualify this lead" is due in two days. */
      nextAction: z
        .strictObject({
          description: safeText({ max: 500, trim: true, multiline: true }),
          dueAt: isoDateTime,
          ownerId: ownerIdField.optional(),
        })
        .optional(),
    })
    .meta({ example: { title: 'Lead flow rebuild', company: 'Acme Dental', source: 'referral' } }),
);

/** Money in a query string: minor units (cents) in decimal digits, within what a deal's value can be. */
const centsQuery = z
  .string()
  .regex(/^[0-9]{1,14}$/, 'must be a whole number of cents written in decimal digits')
  .transform(Number)
  .pipe(z.int().max(1e13));

/** Finding deals (SR1): every parameter optional, all of them combined with AND. */
export const listOpportunitiesQuery = z
  .strictObject({
    q: line(200)
      .refine((q) => /[\p{L}\p{N}]/u.test(q), 'must contain a letter or a digit to search for')
      .optional()
      .meta({
        description:
          'Words to find in the company, title, contact name and contact email, case-insensitive; each word matches ' +
          'the start of a word there (`acm den` finds "Acme Dental"), and every word must match. Operators are not ' +
          'syntax here: `&`, `|`, `!` and the like only separate words.',
        example: 'acme den',
      }),
    stage: z.enum(STAGES).optional(),
    ownerId: ownerIdField.optional(),
    overdue: booleanQuery.optional(),
    dormant: booleanQuery.optional(),
    paused: booleanQuery
      .optional()
      .meta({ description: '`true`: follow-up or proposal work is paused for a reason; `false`: neither is' }),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code in capitals, such as EUR')
      .optional()
      .meta({ description: 'Deals whose value is in this currency', example: 'EUR' }),
    valueMin: centsQuery.optional().meta({
      description: 'Value at least this many cents (inclusive); deals without a value are left out',
      example: '100000',
    }),
    valueMax: centsQuery.optional().meta({
      description: 'Value at most this many cents (inclusive); deals without a value are left out',
      example: '5000000',
    }),
    closeFrom: isoDate
      .optional()
      .meta({ description: 'Expected close on or after this date; deals without one are left out' }),
    closeTo: isoDate
      .optional()
      .meta({ description: 'Expected close on or before this date; deals without one are left out' }),
    updatedSince: isoDateTime
      .optional()
      .meta({ description: 'Deals whose record changed at or after this instant (any event, flag or timer)' }),
    sort: z
      .enum(OPPORTUNITY_SORTS)
      .optional()
      .meta({
        description:
          'nextActionDue, value, expectedClose, lastActivity (when a person last acted) or created; without it, ' +
          'the id. Ties are broken by id; deals without the key come last in either order.',
      }),
    order: z.enum(['asc', 'desc']).default('asc').meta({ description: 'Of the sort (and its id tie-break)' }),
    ...pageQuery,
  })
  .superRefine((query, ctx) => {
    // An empty range is a mistake in the request, not a question with no answer.
    if (query.valueMin !== undefined && query.valueMax !== undefined && query.valueMin > query.valueMax)
      ctx.addIssue({ code: 'custom', path: ['valueMax'], message: 'must not be less than valueMin' });
    if (query.closeFrom !== undefined && query.closeTo !== undefined && query.closeFrom > query.closeTo)
      ctx.addIssue({ code: 'custom', path: ['closeTo'], message: 'must not be before closeFrom' });
  });

const stringEnum = (values: readonly string[]) => z.enum(values as [string, ...string[]]);
/** A person beside its id (OW1): the name from the users table, null when the id names no user. */
const personSchema = z.object({ id: z.string(), name: z.string().nullable() });
const nextActionSchema = z.object({
  description: z.string(),
  dueAt: nullableIso,
  ownerId: z.string().nullable(),
  owner: personSchema.nullable(),
});

export const opportunitySchema = documentSchema(
  'Opportunity',
  z
    .object({
      ...dealHeadingShape,
      owner: personSchema.meta({ description: 'The owner, id and name (name null when the id names no user)' }),
      contact: z
        .object({ name: z.string(), email: z.string().nullable(), phone: z.string().nullable() })
        .nullable()
        .meta({ description: 'The primary contact (UPDATE_DEAL)' }),
      value: z
        .object({ amountCents: z.int(), currency: z.string().meta({ example: 'EUR' }) })
        .nullable()
        .meta({ description: 'What the deal is worth, in minor units of an ISO 4217 currency (UPDATE_DEAL)' }),
      expectedCloseDate: z.string().nullable().meta({ description: 'ISO date (UPDATE_DEAL)', example: '2026-09-30' }),
      probability: z.int().nullable().meta({ description: '0–100 (UPDATE_DEAL)' }),
      lastActivityAt: nullableIso.meta({
        description: 'When a person last acted on the deal (the workflow’s own notes do not count)',
      }),
      source: z.string().nullable(),
      version: z.int(),
      pauses: z.object({
        followUp: z.object({ paused: z.boolean(), reasons: z.array(z.enum(FOLLOW_UP_PAUSE_REASONS)) }),
        proposalWork: z.object({ paused: z.boolean(), reasons: z.array(z.enum(PROPOSAL_PAUSE_REASONS)) }),
      }),
      allowedEvents: z.array(stringEnum(EVENT_TYPES)),
      nextStage: z.enum(STAGES).nullable(),
      nextStageGates: z.array(stringEnum(GATE_CODES)),
      nextAction: nextActionSchema.nullable(),
      dueAt: nullableIso,
      overdue: z.boolean(),
      dormant: z.boolean(),
      blocked: z.object({ code: z.string(), detail: z.string().nullable(), since: nullableIso }).nullable().meta({
        description:
          'A write the database refused for good (its error code); cleared by the next accepted event. Ops have a task for it.',
      }),
      handoff: z.object({
        blockers: z.array(handoffBlockerSchema).meta({
          description:
            "Why a won deal's handoff waits (HO1): a context fact missing, a connector whose access is not granted, a step that failed past its retries. " +
            'Each has an ops task; the handoff resumes by itself once the last one clears. Empty otherwise.',
        }),
      }),
      scopeState: z.string(),
      clientSafeStatus: z.string(),
      decisionDeadline: nullableIso,
      lost: z
        .object({
          reason: z.enum(LOST_REASONS),
          detail: z.string().nullable(),
          reactivateAt: nullableIso,
          lostAt: nullableIso,
        })
        .nullable(),
      clientId: z.uuid().nullable(),
      workflowId: z.string(),
      links: z.record(z.string(), z.string()),
      createdAt: isoDateTime,
      updatedAt: isoDateTime,
      unreadable: z
        .array(z.string())
        .optional()
        .meta({
          description:
            'Present only when stored fields cannot be shown (a timestamp outside the range the API can render, or a machine snapshot ' +
            'it cannot read): they read as null (a snapshot: no allowed events), and ops should repair the deal.',
        }),
    })
    .meta({
      example: {
        id: uuidExample,
        title: 'Lead flow rebuild',
        company: 'Acme Dental',
        stage: 'lead',
        ownerId: 'b7e3…',
        source: 'referral',
        version: 0,
        pauses: {
          followUp: { paused: true, reasons: ['consent', 'timing'] },
          proposalWork: { paused: true, reasons: ['audit_evidence'] },
        },
        allowedEvents: ['RECORD_QUALIFICATION', 'MARK_LOST'],
        nextStage: 'qualified',
        nextStageGates: ['source', 'service_fit', 'urgency'],
        nextAction: { description: 'Qualify this lead', dueAt: '2026-06-01T09:00:00Z', ownerId: 'b7e3…' },
        dueAt: '2026-06-01T09:00:00Z',
      },
    }),
);

export const opportunityPageSchema = documentSchema('OpportunityPage', pageOf(opportunitySchema));
