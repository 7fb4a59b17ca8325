/**
 * The eight outputs of the guide (OUT1), each with the same frame: source, owner, stage,
 * due date, scope state, client-safe status and next action, plus its own data and whether
 * it is ready.
 */
import {
  DISCOVERY_FACTS,
  GATE_CHECKS,
  HANDOFF_FACTS,
  PROPOSAL_SECTIONS,
  QUALIFICATION_FACTS,
  type DealState,
  type GuardedGate,
} from '../../machines/opportunity';
import type {
  ApprovalRow,
  AuditEvidenceRow,
  ContractRow,
  DiscoveryNoteRow,
  OnboardingChecklistRow,
  OpportunityRow,
  ProposalRow,
} from '../../db/schema';
import type { OutputName } from '../schemas/records';
import { dealStateOf, iso, opportunityResource } from './opportunity';
import { approvalStateResource, contractResource, proposalVersionResource } from './records';

export interface OutputSources {
  opportunity: OpportunityRow;
  notes: DiscoveryNoteRow[];
  evidence: AuditEvidenceRow[];
  proposal: ProposalRow | null;
  sectionKinds: string[];
  approvals: ApprovalRow[];
  contract: ContractRow | null;
  checklist: OnboardingChecklistRow | null;
}

/** Whether every one of these gates is met by the deal's facts (the machine's own checks). */
const met = (deal: DealState, gates: readonly GuardedGate[]) => gates.every((g) => GATE_CHECKS[g](deal.context, null));

type Built = { ready: boolean; data: Record<string, unknown> };

const BUILDERS: Record<OutputName, (s: OutputSources, deal: DealState) => Built> = {
  'qualified-opportunity': (_s, deal) => ({
    ready: met(deal, QUALIFICATION_FACTS) && deal.stage !== 'lead',
    data: { qualification: deal.context.qualification, consent: deal.context.followUp.consent },
  }),
  'discovery-notes': (s, deal) => ({
    ready: met(deal, DISCOVERY_FACTS),
    data: {
      facts: deal.context.discovery,
      notes: s.notes.map((n) => ({
        id: n.id,
        fact: n.fact,
        body: n.body,
        recordedBy: n.recordedBy,
        recordedAt: iso(n.createdAt),
      })),
    },
  }),
  'audit-proof': (s, deal) => ({
    ready: deal.context.auditEvidence.length > 0,
    data: {
      evidence: s.evidence.map((e) => ({
        id: e.id,
        kind: e.kind,
        summary: e.summary,
        sourceUrl: e.sourceUrl,
        recordedBy: e.recordedBy,
        recordedAt: iso(e.createdAt),
      })),
    },
  }),
  'proposal-draft': (s) => ({
    ready: PROPOSAL_SECTIONS.every((k) => s.sectionKinds.includes(k)),
    data: { proposal: s.proposal ? proposalVersionResource(s.proposal) : null, sections: s.sectionKinds },
  }),
  'approval-state': (s, deal) => {
    const state = approvalStateResource(deal, s.approvals);
    return { ready: state.proposal.approved && state.clientSafeSummary.approved, data: state };
  },
  'contract-handoff': (s, deal) => ({
    ready: met(deal, HANDOFF_FACTS),
    data: {
      contract: contractResource(deal, s.contract),
      handoff: deal.context.handoff,
      handedOffAt: deal.context.handedOffAt,
    },
  }),
  'onboarding-checklist': (s) => ({
    ready: s.checklist !== null,
    data: {
      checklist: s.checklist ? { id: s.checklist.id, ownerId: s.checklist.ownerId, items: s.checklist.items } : null,
    },
  }),
  'won-or-lost-reason': (_s, deal) => ({
    ready: ['won', 'handed_off', 'lost'].includes(deal.stage),
    data: {
      outcome: deal.stage === 'lost' ? 'lost' : deal.context.wonAt ? 'won' : 'open',
      wonAt: deal.context.wonAt,
      lost: deal.context.lost,
      lostHistory: deal.context.lostHistory,
    },
  }),
};

export function outputResource(name: OutputName, sources: OutputSources) {
  const o = opportunityResource(sources.opportunity);
  const built = BUILDERS[name](sources, dealStateOf(sources.opportunity));
  return {
    output: name,
    opportunityId: o.id,
    status: built.ready ? ('ready' as const) : ('pending' as const),
    source: o.source,
    owner: o.ownerId,
    stage: o.stage,
    dueAt: o.dueAt,
    scopeState: o.scopeState,
    clientSafeStatus: o.clientSafeStatus,
    nextAction: o.nextAction,
    data: built.data,
  };
}
