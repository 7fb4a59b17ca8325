import type { z } from 'zod';
import type { DealEvent, DealEventOf, EventType, SummaryKind } from '../machines/opportunity';
import type { Db } from '../db/client';
import type { ApprovalDecision, ApprovalKind } from '../db/schema';
import { recordApproval } from '../db/queries/approvals';
import { upsertClientSafeSummary } from '../db/queries/client-safe-summaries';
import { upsertContract } from '../db/queries/contracts';
import { replaceLineItems, upsertProposalSection } from '../db/queries/proposal-content';
import {
  attachProposalRecords,
  ensureCurrentProposal,
  getCurrentProposal,
  recordProposalSent,
  recordProposalTracking,
  recordProposalView,
  reviseSentProposal,
  revokeProposalLinks,
  submitProposal,
} from '../db/queries/proposals';
import {
  deliveryRecords,
  latestMessageDraft,
  MESSAGE_DRAFT_CHANNEL,
  recordAuditEvidence,
  recordCommunication,
  recordDiscoveryNotes,
} from '../db/queries/records';
import { recordNote } from '../db/queries/notes';
import { ensureTask } from '../db/queries/tasks';
import { STORED_ATTACHMENTS, type StoredAttachments } from '../machines/opportunity/attachments';
import type { RecordDealEventInput } from './deal';

/*
 * Writes the records an accepted event carries (proposal versions, sections and line items,
 * approvals, client-safe summaries, audit evidence, discovery notes, contract facts, the
 * proposal link, the retest task of a revision, a person's note). Runs inside the event's
 * transaction, only when the event row was new; every key derives from `input.key`, so a retry
 * is a no-op.
 */

interface Base {
  db: Db;
  input: RecordDealEventInput;
  event: DealEvent;
  at: Date;
  by: string;
}
type Ctx<T extends EventType> = Base & { event: DealEventOf<T> };
type Writer<T extends EventType> = (ctx: Ctx<T>) => Promise<void>;

/** The attachments of this event as the API stored them, or undefined when none (or not readable). */
function attachmentsOf<K extends keyof StoredAttachments>(
  input: RecordDealEventInput,
  type: K,
): StoredAttachments[K] | undefined {
  if (input.attachments === undefined) return undefined;
  const parsed = (STORED_ATTACHMENTS[type] as z.ZodType).safeParse(input.attachments);
  return parsed.success ? (parsed.data as StoredAttachments[K]) : undefined;
}

const proposalOf = (ctx: Base) =>
  ensureCurrentProposal(ctx.db, { opportunityId: ctx.input.opportunityId, createdBy: ctx.by });

const decide =
  (kind: ApprovalKind, decision: ApprovalDecision) =>
  async (ctx: Base): Promise<void> => {
    const proposal = await proposalOf(ctx);
    const note =
      ctx.event.type === 'REJECT'
        ? ctx.event.reason
        : ctx.event.type === 'APPROVE'
          ? (attachmentsOf(ctx.input, 'APPROVE')?.note ?? null)
          : null;
    await recordApproval(ctx.db, {
      key: `${ctx.input.key}:approval`,
      proposalId: proposal.id,
      kind,
      decision,
      approvedBy: ctx.by,
      note,
      // The client-safe approval stamps exactly the summaries it names (AP1).
      summaryKinds:
        ctx.event.type === 'APPROVE_CLIENT_SAFE_SUMMARY'
          ? (Object.keys(ctx.event.summaries) as SummaryKind[])
          : undefined,
    });
  };

const WRITERS: { [T in EventType]?: Writer<T> } = {
  START_PROPOSAL: async (ctx) => {
    await proposalOf(ctx);
  },
  RECORD_PROPOSAL_SECTION: async (ctx) => {
    const section = attachmentsOf(ctx.input, 'RECORD_PROPOSAL_SECTION');
    const proposal = await proposalOf(ctx);
    if (!section) return;
    await upsertProposalSection(ctx.db, {
      proposalId: proposal.id,
      section: ctx.event.section,
      body: section.body,
      visibility: section.visibility,
    });
    if (ctx.event.section === 'pricing' && section.lineItems)
      await replaceLineItems(ctx.db, proposal.id, section.lineItems);
  },
  SUBMIT_FOR_APPROVAL: async (ctx) => {
    const proposal = await proposalOf(ctx);
    await submitProposal(ctx.db, { proposalId: proposal.id, submittedBy: ctx.by, submittedAt: ctx.at });
  },
  RECORD_CLIENT_SAFE_SUMMARY: async (ctx) => {
    const draft = attachmentsOf(ctx.input, 'RECORD_CLIENT_SAFE_SUMMARY');
    if (!draft) return;
    await upsertClientSafeSummary(ctx.db, {
      opportunityId: ctx.input.opportunityId,
      kind: ctx.event.kind,
      body: draft.body,
      visibility: 'client_safe',
    });
  },
  RECORD_PROPOSAL_MESSAGE: async (ctx) => {
    const draft = attachmentsOf(ctx.input, 'RECORD_PROPOSAL_MESSAGE');
    if (!draft) return;
    await recordCommunication(ctx.db, {
      key: `${ctx.input.key}:message-draft`,
      opportunityId: ctx.input.opportunityId,
      channel: MESSAGE_DRAFT_CHANNEL,
      direction: 'outbound',
      subject: draft.subject ?? null,
      body: draft.body,
      visibility: 'internal',
      occurredAt: ctx.at,
      createdBy: ctx.by,
    });
  },
  APPROVE: decide('proposal', 'approved'),
  REJECT: decide('proposal', 'rejected'),
  // Stamps the summaries it names at their current versions (K1).
  APPROVE_CLIENT_SAFE_SUMMARY: decide('client_safe_summary', 'approved'),
  SEND_PROPOSAL: async (ctx) => {
    const sent = attachmentsOf(ctx.input, 'SEND_PROPOSAL');
    const proposal = await proposalOf(ctx);
    // The message goes out as it was approved with the summaries; without a draft, a plain line.
    const draft = ctx.input.state.context.proposal.message
      ? await latestMessageDraft(ctx.db, ctx.input.opportunityId)
      : null;
    const message = await recordCommunication(ctx.db, {
      key: `${ctx.input.key}:communication`,
      opportunityId: ctx.input.opportunityId,
      channel: 'proposal_link',
      direction: 'outbound',
      subject: draft?.subject ?? `Proposal v${proposal.version}`,
      body: draft?.body ?? `Proposal v${proposal.version} sent with its link`,
      visibility: 'client_safe',
      occurredAt: ctx.at,
      createdBy: ctx.by,
    });
    const deadline = ctx.event.decisionDeadline ? new Date(ctx.event.decisionDeadline) : undefined;
    if (sent)
      await recordProposalSent(ctx.db, {
        proposalId: proposal.id,
        linkTokenHash: sent.linkTokenHash,
        sentAt: ctx.at,
        decisionDeadline: deadline,
      });
    await recordProposalTracking(ctx.db, proposal.id, {
      probability: ctx.event.probability,
      decisionDeadline: deadline,
    });
    await attachProposalRecords(ctx.db, proposal.id, { communicationId: message.id });
  },
  RECORD_VIEW: async (ctx) => {
    const view = attachmentsOf(ctx.input, 'RECORD_VIEW');
    if (view)
      await recordProposalView(ctx.db, { linkTokenHash: view.linkTokenHash, viewedAt: new Date(view.viewedAt) });
  },
  RECORD_OBJECTION: async (ctx) => {
    const proposal = await getCurrentProposal(ctx.db, ctx.input.opportunityId);
    if (proposal) await recordProposalTracking(ctx.db, proposal.id, { objection: ctx.event.summary });
  },
  MARK_LOST: (ctx) => revokeProposalLinks(ctx.db, ctx.input.opportunityId, ctx.at),
  REVISE_PROPOSAL: async (ctx) => {
    const current = await getCurrentProposal(ctx.db, ctx.input.opportunityId);
    const next = current ? await reviseSentProposal(ctx.db, { proposalId: current.id, createdBy: ctx.by }) : null;
    const owner = ctx.input.state.context.ownerId;
    await ensureTask(ctx.db, {
      key: `${ctx.input.key}:retest`,
      opportunityId: ctx.input.opportunityId,
      kind: 'retest',
      title: `Retest the portal, proposal links and message copy of proposal v${next?.version ?? '?'} (${ctx.event.reason})`,
      ownerId: owner,
      dueAt: ctx.event.nextAction ? new Date(ctx.event.nextAction.dueAt) : ctx.at,
    });
  },
  RECORD_DISCOVERY: (ctx) =>
    recordDiscoveryNotes(ctx.db, {
      key: ctx.input.key,
      opportunityId: ctx.input.opportunityId,
      facts: ctx.event.facts,
      recordedBy: ctx.by,
    }),
  RECORD_AUDIT_EVIDENCE: async (ctx) => {
    const details = attachmentsOf(ctx.input, 'RECORD_AUDIT_EVIDENCE');
    await recordAuditEvidence(ctx.db, {
      key: ctx.input.key,
      opportunityId: ctx.input.opportunityId,
      kind: details?.kind ?? ctx.event.evidenceId,
      summary: ctx.event.summary,
      sourceUrl: details?.sourceUrl ?? null,
      recordedBy: ctx.by,
    });
  },
  RECORD_NOTE: async (ctx) => {
    const note = attachmentsOf(ctx.input, 'RECORD_NOTE');
    // The API refuses a note without its text; a stored event without one has nothing to record.
    if (!note) return;
    await recordNote(ctx.db, {
      key: `${ctx.input.key}:note`,
      opportunityId: ctx.input.opportunityId,
      body: note.body,
      pinned: ctx.event.pinned ?? false,
      forHandoff: ctx.event.forHandoff ?? false,
      recordedBy: ctx.by,
      createdAt: ctx.at,
    });
  },
  RECORD_CONTRACT: async (ctx) => {
    const { contractState, paymentState, kickoffDate, onboardingOwner, launchBlockers } = ctx.event;
    await upsertContract(ctx.db, {
      opportunityId: ctx.input.opportunityId,
      contractState,
      paymentState,
      kickoffDate,
      onboardingOwner,
      launchBlockers,
    });
  },
  COMPLETE_HANDOFF: async (ctx) => {
    // S2: the proposal is attached to the client and project the handoff made.
    const proposal = await getCurrentProposal(ctx.db, ctx.input.opportunityId);
    if (!proposal) return;
    const { project } = await deliveryRecords(ctx.db, ctx.input.opportunityId);
    await attachProposalRecords(ctx.db, proposal.id, { clientId: project?.clientId, projectId: project?.id });
  },
};

/** Whether events of this type write records beside the event row and the read model. */
export function hasSideRecords(eventType: string): boolean {
  return Object.prototype.hasOwnProperty.call(WRITERS, eventType);
}

export async function recordSideRecords(db: Db, input: RecordDealEventInput): Promise<void> {
  const event = input.payload as DealEvent;
  const write = WRITERS[event.type] as Writer<EventType> | undefined;
  if (!write) return;
  await write({ db, input, event, at: new Date(event.at), by: event.actor.id });
}
