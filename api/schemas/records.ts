/** Response schemas of a deal's records: proposal, approvals, contract, summaries, outputs. */
import { z } from 'zod';
import {
  CONTRACT_STATES,
  PAYMENT_STATES,
  PROPOSAL_SECTION_KINDS,
  STAGES,
  SUMMARY_KINDS,
  VISIBILITIES,
} from '../../machines/opportunity';
import { APPROVAL_DECISIONS, APPROVAL_KINDS, PROPOSAL_STATUSES } from '../../db/schema/enums';
import { documentSchema } from '../openapi/registry';
import { isoDate, isoDateTime, nullableIso } from './common';

const stamp = {
  visibility: z.enum(VISIBILITIES),
  approvedBy: z.string().nullable(),
  approvedAt: nullableIso,
  approvedVersion: z.int().nullable(),
};
const ref = z.object({ id: z.uuid() }).catchall(z.string()).nullable();
const serviceRefSchema = documentSchema('ServiceRef', z.object({ id: z.uuid(), code: z.string(), name: z.string() }));

const approvalDecisionSchema = documentSchema(
  'ApprovalDecision',
  z.object({
    id: z.uuid(),
    proposalId: z.uuid(),
    proposalVersion: z.int(),
    kind: z.enum(APPROVAL_KINDS),
    decision: z.enum(APPROVAL_DECISIONS),
    approvedBy: z.string(),
    note: z.string().nullable(),
    decidedAt: isoDateTime,
  }),
);

const versionFields = {
  id: z.uuid(),
  version: z.int(),
  status: z.enum(PROPOSAL_STATUSES),
  createdBy: z.string(),
  submittedBy: z.string().nullable(),
  submittedAt: nullableIso,
  sentAt: nullableIso,
  firstViewedAt: nullableIso,
  lastViewedAt: nullableIso,
  viewCount: z.int(),
  followUpAt: nullableIso,
  objection: z.string().nullable(),
  probability: z.int().nullable(),
  decisionDeadline: nullableIso,
  linkActive: z.boolean(),
  linkRevokedAt: nullableIso,
};
export const proposalVersionSchema = documentSchema('ProposalVersion', z.object(versionFields));

export const proposalSchema = documentSchema(
  'Proposal',
  z.object({
    ...versionFields,
    opportunityId: z.uuid(),
    sections: z.array(
      z.object({
        id: z.uuid(),
        section: z.enum(PROPOSAL_SECTION_KINDS),
        body: z.string(),
        ...stamp,
        updatedAt: isoDateTime,
      }),
    ),
    lineItems: z.array(
      z.object({
        id: z.uuid(),
        position: z.int(),
        description: z.string(),
        quantity: z.int(),
        unitPriceCents: z.int(),
        totalCents: z.int(),
        service: serviceRefSchema
          .nullable()
          .meta({ description: 'The catalogue service this line sells (S2), if any' }),
        ...stamp,
      }),
    ),
    totalCents: z.int(),
    approvals: z.array(approvalDecisionSchema),
    records: z.object({
      lead: ref,
      client: ref,
      service: ref,
      project: ref,
      approval: ref,
      communication: ref,
      services: z
        .array(serviceRefSchema)
        .meta({ description: 'S2: the distinct catalogue services its line items sell, in code order' }),
    }),
  }),
);

export const approvalStateSchema = documentSchema(
  'ApprovalState',
  z.object({
    proposalVersion: z.int(),
    submittedBy: z.string().nullable(),
    submittedAt: nullableIso,
    proposal: z.object({ approved: z.boolean(), approvedBy: z.string().nullable(), approvedAt: nullableIso }),
    clientSafeSummary: z.object({
      approved: z.boolean(),
      approvedBy: z.string().nullable(),
      approvedAt: nullableIso,
      summaries: z
        .partialRecord(z.enum(SUMMARY_KINDS), z.int())
        .nullable()
        .meta({ description: 'The revision of each summary the approval covers' }),
      message: z.int().nullable().meta({ description: 'The revision of the proposal message the approval covers' }),
    }),
    drafts: z
      .object({
        summaries: z.record(z.enum(SUMMARY_KINDS), z.int().nullable()),
        message: z.int().nullable(),
      })
      .meta({
        description:
          'The current revision of each client-safe text (null: not drafted). APPROVE_CLIENT_SAFE_SUMMARY names these.',
      }),
    authors: z
      .array(z.string())
      .meta({ description: 'Who wrote the current sections, summaries and message: none of them may approve (AP1)' }),
    rejections: z.array(z.object({ version: z.int(), reason: z.string(), at: isoDateTime, by: z.string() })),
    decisions: z.array(approvalDecisionSchema),
  }),
);

export const contractSchema = documentSchema(
  'Contract',
  z.object({
    contractState: z.enum(CONTRACT_STATES).nullable(),
    paymentState: z.enum(PAYMENT_STATES).nullable(),
    kickoffDate: isoDate.nullable(),
    onboardingOwner: z.string().nullable(),
    launchBlockers: z.array(z.string()).nullable(),
    recordedAt: nullableIso,
  }),
);

export const summarySchema = documentSchema(
  'ClientSafeSummary',
  z.object({
    id: z.uuid(),
    kind: z.enum(SUMMARY_KINDS),
    body: z.string(),
    version: z.int(),
    ...stamp,
    approvedForCurrentVersion: z.boolean(),
    updatedAt: isoDateTime,
  }),
);

export const OUTPUTS = [
  'qualified-opportunity',
  'discovery-notes',
  'audit-proof',
  'proposal-draft',
  'approval-state',
  'contract-handoff',
  'onboarding-checklist',
  'won-or-lost-reason',
] as const;
export type OutputName = (typeof OUTPUTS)[number];

/** OUT1: every output carries source, owner, stage, due date, scope state, client-safe status and next action. */
export const outputSchema = documentSchema(
  'Output',
  z
    .object({
      output: z.enum(OUTPUTS),
      opportunityId: z.uuid(),
      status: z.enum(['pending', 'ready']),
      source: z.string().nullable(),
      owner: z.string(),
      stage: z.enum(STAGES),
      dueAt: nullableIso,
      scopeState: z.string(),
      clientSafeStatus: z.string(),
      nextAction: z.object({ description: z.string(), dueAt: nullableIso, ownerId: z.string().nullable() }).nullable(),
      data: z.record(z.string(), z.unknown()),
    })
    .meta({
      example: {
        output: 'discovery-notes',
        opportunityId: '0b9d6c8e-2f4a-4c61-9a57-3e1f0f6c2d11',
        status: 'ready',
        source: 'referral',
        owner: 'b7e3…',
        stage: 'audit',
        dueAt: '2026-06-01T09:00:00Z',
        scopeState: 'unverified',
        clientSafeStatus: 'none',
        nextAction: { description: 'Run the audit', dueAt: '2026-06-01T09:00:00Z', ownerId: 'b7e3…' },
        data: { notes: [] },
      },
    }),
);
export const outputListSchema = documentSchema('OutputList', z.object({ items: z.array(outputSchema) }));
export const outputParams = z.strictObject({ id: z.uuid(), output: z.enum(OUTPUTS) });
