import { z } from 'zod';
import {
  EVENT_TYPES,
  FOLLOW_UP_PAUSE_REASONS,
  GATE_CODES,
  LOST_REASONS,
  PROPOSAL_PAUSE_REASONS,
  safeText,
  STAGES,
} from '../../machines/opportunity';
import { documentSchema } from '../openapi/registry';
import { handoffBlockerSchema } from './handoff';
import {
  booleanQuery,
  dealHeadingShape,
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

export const listOpportunitiesQuery = z.strictObject({
  stage: z.enum(STAGES).optional(),
  ownerId: ownerIdField.optional(),
  overdue: booleanQuery.optional(),
  dormant: booleanQuery.optional(),
  ...pageQuery,
});

const stringEnum = (values: readonly string[]) => z.enum(values as [string, ...string[]]);
const nextActionSchema = z.object({ description: z.string(), dueAt: nullableIso, ownerId: z.string().nullable() });

export const opportunitySchema = documentSchema(
  'Opportunity',
  z
    .object({
      ...dealHeadingShape,
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
