/**
 * What an accepted event writes into the context. Pure: returns a new context, never
 * mutates the old one. Gates are checked before this runs (see `gates.ts`).
 */
import { clientDomainKey } from './client-identity';
import { contractAfter } from './gates';
import {
  nulls,
  withoutApprovals,
  type DealContext,
  type DealDetails,
  type LostRecord,
  type SummaryDraft,
} from './context';
import type { DealEvent, DealEventOf } from './events';
import { QUALIFICATION_FACTS, type OpenStage, type Stage } from './vocabulary';

export interface MoveParams {
  from: Stage;
  /** `null` when the event stays in its stage. */
  to: Stage | null;
}

export function recordEvent(context: DealContext, event: DealEvent, params: MoveParams): DealContext {
  const changesStage = params.to !== null;
  const base: DealContext = {
    ...context,
    lastActivityAt: event.at,
    stageEnteredAt: changesStage ? event.at : context.stageEnteredAt,
    // E1: a stage change replaces the next action (handed_off and lost may clear it); a fact keeps it unless given.
    nextAction: event.nextAction ? { ...event.nextAction } : changesStage ? null : context.nextAction,
  };
  return recordFacts(base, event, params);
}

const nextDraft = (draft: SummaryDraft | null, at: string, by: string): SummaryDraft => ({
  revision: (draft?.revision ?? 0) + 1,
  recordedAt: at,
  recordedBy: by,
});

/** The deal's fields after an UPDATE_DEAL: each field given replaces the recorded one; `null` clears it. */
export function detailsAfter(details: DealDetails, event: DealEventOf<'UPDATE_DEAL'>): DealDetails {
  const contact =
    event.contact === undefined
      ? details.contact
      : event.contact === null
        ? null
        : {
            name: event.contact.name,
            email: event.contact.email?.toLowerCase() ?? null,
            phone: event.contact.phone ?? null,
          };
  return {
    title: event.title ?? details.title,
    company: event.company ?? details.company,
    contact,
    value: event.value === undefined ? details.value : event.value && { ...event.value },
    expectedCloseDate: event.expectedCloseDate === undefined ? details.expectedCloseDate : event.expectedCloseDate,
    probability: event.probability === undefined ? details.probability : event.probability,
  };
}

/** The list with `item` replacing the entry of the same id, or appended. */
function upsert<T, K extends keyof T>(list: readonly T[], key: K, item: T): T[] {
  return list.some((x) => x[key] === item[key]) ? list.map((x) => (x[key] === item[key] ? item : x)) : [...list, item];
}

function recordFacts(c: DealContext, event: DealEvent, params: MoveParams): DealContext {
  const by = event.actor.id;
  const at = event.at;
  const p = c.proposal;
  switch (event.type) {
    case 'QUALIFY':
    case 'START_DISCOVERY':
    case 'START_AUDIT':
    case 'START_PROPOSAL':
    case 'SET_NEXT_ACTION':
    case 'RECORD_NOTE':
    case 'CREATE_TASK':
    case 'ASSIGN_TASK':
    case 'CANCEL_TASK':
    case 'COMPLETE_TASK':
      return c;
    case 'REASSIGN': {
      // The next action the previous owner held goes with the deal.
      const nextAction =
        c.nextAction && c.nextAction.ownerId === c.ownerId ? { ...c.nextAction, ownerId: event.ownerId } : c.nextAction;
      return { ...c, ownerId: event.ownerId, ownerName: event.ownerName ?? null, nextAction };
    }
    case 'UPDATE_DEAL':
      return { ...c, details: detailsAfter(c.details, event) };
    case 'SUBMIT_FOR_APPROVAL':
      return { ...c, proposal: { ...withoutApprovals(p), submittedBy: by, submittedAt: at } };
    case 'APPROVE':
      return { ...c, proposal: { ...p, approvedBy: by, approvedAt: at } };
    case 'APPROVE_CLIENT_SAFE_SUMMARY':
      return {
        ...c,
        proposal: {
          ...p,
          clientSafeSummaryApprovedBy: by,
          clientSafeSummaryApprovedAt: at,
          approvedSummaries: { ...event.summaries },
          approvedMessage: event.message ?? null,
        },
      };
    case 'RECORD_CLIENT_SAFE_SUMMARY':
      return {
        ...c,
        proposal: { ...p, summaries: { ...p.summaries, [event.kind]: nextDraft(p.summaries[event.kind], at, by) } },
      };
    case 'RECORD_PROPOSAL_MESSAGE':
      return { ...c, proposal: { ...p, message: nextDraft(p.message, at, by) } };
    case 'REJECT':
      return {
        ...c,
        proposal: {
          ...withoutApprovals(p),
          rejections: [...p.rejections, { version: p.version, reason: event.reason, at, by }],
        },
      };
    case 'SEND_PROPOSAL':
      return {
        ...c,
        proposal: {
          ...p,
          sentAt: at,
          firstViewedAt: null,
          lastViewedAt: null,
          viewCount: 0,
          probability: event.probability ?? p.probability,
          // The deadline belongs to this send (DL1): a re-send after reactivation brings its own or none.
          decisionDeadline: event.decisionDeadline ?? null,
        },
      };
    case 'RECORD_VIEW':
      return {
        ...c,
        proposal: { ...p, firstViewedAt: p.firstViewedAt ?? at, lastViewedAt: at, viewCount: p.viewCount + 1 },
      };
    case 'RECORD_OBJECTION': {
      const exists = p.objections.some((o) => o.objectionId === event.objectionId);
      const objections = exists
        ? p.objections.map((o) =>
            o.objectionId === event.objectionId
              ? { ...o, summary: event.summary, resolvedAt: null, resolvedBy: null }
              : o,
          )
        : [
            ...p.objections,
            {
              objectionId: event.objectionId,
              summary: event.summary,
              raisedAt: at,
              raisedBy: by,
              resolvedAt: null,
              resolvedBy: null,
            },
          ];
      return { ...c, proposal: { ...p, objections } };
    }
    case 'RESOLVE_OBJECTION':
      return {
        ...c,
        proposal: {
          ...p,
          objections: p.objections.map((o) =>
            o.objectionId === event.objectionId && o.resolvedAt === null ? { ...o, resolvedAt: at, resolvedBy: by } : o,
          ),
        },
      };
    case 'REVISE_PROPOSAL': {
      // R1: a new version; the sent version's tracking is kept, approvals start over, its deadline ends (DL1).
      const previous = {
        version: p.version,
        sentAt: p.sentAt,
        firstViewedAt: p.firstViewedAt,
        lastViewedAt: p.lastViewedAt,
        probability: p.probability,
        decisionDeadline: p.decisionDeadline,
        revisedAt: at,
        revisedBy: by,
        reason: event.reason,
      };
      return {
        ...c,
        proposal: {
          ...withoutApprovals(p),
          version: p.version + 1,
          decisionDeadline: null,
          sentAt: null,
          firstViewedAt: null,
          lastViewedAt: null,
          viewCount: 0,
          previousVersions: [...p.previousVersions, previous],
        },
      };
    }
    case 'ACCEPT':
      return { ...c, proposal: { ...p, acceptedAt: at } };
    case 'MARK_WON':
      return { ...c, wonAt: at };
    case 'COMPLETE_HANDOFF':
      return { ...c, handoff: { ...event.records }, handedOffAt: at };
    case 'MARK_LOST': {
      // Gates guarantee reason and reactivateAt; the fallbacks only satisfy the types.
      const lost: LostRecord = {
        reason: event.reason ?? 'other',
        detail: event.detail ?? null,
        reactivateAt: event.reactivateAt ?? at,
        lostAt: at,
        lostBy: by,
        fromStage: params.from as OpenStage,
        reactivatedAt: null,
        qualificationBeforeReactivation: null,
      };
      // E1: a lost deal's next step is its win-back when the reactivation window opens (WB1).
      const nextAction = c.nextAction ?? { description: 'Win back', dueAt: lost.reactivateAt, ownerId: c.ownerId };
      return { ...c, nextAction, lost, lostHistory: [...c.lostHistory, { ...lost }] };
    }
    case 'REACTIVATE': {
      // Back to lead with its history: the qualification facts are stale and are confirmed again (Q1),
      // the proposal needs new approvals.
      const lostHistory = c.lostHistory.map((l, i) =>
        i === c.lostHistory.length - 1
          ? { ...l, reactivatedAt: at, qualificationBeforeReactivation: { ...c.qualification } }
          : l,
      );
      return {
        ...c,
        lost: null,
        lostHistory,
        qualification: nulls(QUALIFICATION_FACTS),
        proposal: withoutApprovals(p),
      };
    }
    case 'RECORD_QUALIFICATION':
      // The confirmed source is the deal's source (one home per fact).
      return { ...c, source: event.facts.source ?? c.source, qualification: { ...c.qualification, ...event.facts } };
    case 'RECORD_CONSENT':
      return {
        ...c,
        followUp: {
          ...c.followUp,
          consent: event.consent ?? c.followUp.consent,
          contactTimingValid: event.contactTimingValid ?? c.followUp.contactTimingValid,
          sourceContextValid: event.sourceContextValid ?? c.followUp.sourceContextValid,
        },
        verification: {
          ...c.verification,
          decisionPathVerified: event.decisionPathVerified ?? c.verification.decisionPathVerified,
        },
      };
    case 'RECORD_VERIFICATION':
      return {
        ...c,
        verification: {
          scopeVerified: event.scopeVerified ?? c.verification.scopeVerified,
          timelineVerified: event.timelineVerified ?? c.verification.timelineVerified,
          decisionPathVerified: event.decisionPathVerified ?? c.verification.decisionPathVerified,
        },
      };
    case 'RECORD_FOLLOW_UP':
      return {
        ...c,
        followUp: { ...c.followUp, lastFollowUpAt: at, followUpCount: c.followUp.followUpCount + 1 },
        proposal: params.from === 'sent' ? { ...p, lastFollowUpAt: at } : p,
      };
    case 'RECORD_DISCOVERY':
      return { ...c, discovery: { ...c.discovery, ...event.facts } };
    case 'RECORD_AUDIT_EVIDENCE': {
      // Idempotent per evidenceId: recording it again replaces the summary.
      const entry = { evidenceId: event.evidenceId, summary: event.summary, recordedAt: at, recordedBy: by };
      const exists = c.auditEvidence.some((e) => e.evidenceId === event.evidenceId);
      const auditEvidence = exists
        ? c.auditEvidence.map((e) => (e.evidenceId === event.evidenceId ? entry : e))
        : [...c.auditEvidence, entry];
      return { ...c, auditEvidence };
    }
    case 'RECORD_PROPOSAL_SECTION':
      return {
        ...c,
        proposal: {
          ...p,
          sections: {
            ...p.sections,
            [event.section]: { sectionId: event.sectionId ?? null, version: p.version, recordedAt: at, recordedBy: by },
          },
        },
      };
    case 'RECORD_HANDOFF_CLIENT':
      return {
        ...c,
        handoffContext: {
          ...c.handoffContext,
          client: {
            clientId: event.clientId ?? null,
            name: event.name ?? c.handoffContext.client?.name ?? '',
            domain: event.domain ? clientDomainKey(event.domain) : null,
          },
        },
      };
    case 'RECORD_PORTAL_CONTACTS':
      return {
        ...c,
        handoffContext: {
          ...c.handoffContext,
          portalContacts: event.contacts.map((p) => ({ name: p.name, email: p.email.toLowerCase() })),
        },
      };
    case 'RECORD_CONNECTOR_ACCOUNT': {
      const connector = {
        connectorId: event.connectorId,
        provider: event.provider,
        accountRef: event.accountRef,
        access: event.access,
        recordedAt: at,
        recordedBy: by,
      };
      return {
        ...c,
        handoffContext: {
          ...c.handoffContext,
          connectors: upsert(c.handoffContext.connectors, 'connectorId', connector),
        },
      };
    }
    case 'RECORD_DATA_SOURCE': {
      const source = { sourceId: event.sourceId, kind: event.kind, name: event.name, connectorId: event.connectorId };
      return {
        ...c,
        handoffContext: { ...c.handoffContext, dataSources: upsert(c.handoffContext.dataSources, 'sourceId', source) },
      };
    }
    case 'RECORD_REPORTING_BASELINE':
      return { ...c, handoffContext: { ...c.handoffContext, baseline: event.figures.map((f) => ({ ...f })) } };
    case 'RECORD_SERVICES_SOLD':
      return { ...c, handoffContext: { ...c.handoffContext, serviceIds: [...event.serviceIds] } };
    case 'RECORD_CONTRACT': {
      const contract = contractAfter(c, event);
      return {
        ...c,
        contract: { ...contract, launchBlockers: contract.launchBlockers ? [...contract.launchBlockers] : null },
      };
    }
  }
}
