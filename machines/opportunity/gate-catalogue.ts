/**
 * The gate catalogue (GC1): every gate code a refusal can name, with the requirement behind
 * it, the moves it guards (read from the move table), what satisfies it and what records the
 * fact. `GET /v1/gates` serves it and the docs link it; a test checks that every code any
 * refusal can return is here.
 */
import { MOVES } from './moves';
import {
  CONNECTOR_ACCESS_STATES,
  CONTRACT_STATES,
  GATE_CODES,
  GATES,
  LOST_REASONS_NEEDING_DETAIL,
  PAYMENT_STATES,
  SUMMARY_KINDS,
  summaryDraftGate,
  type EventType,
  type GateCode,
  type Stage,
} from './vocabulary';

export interface GateGuard {
  event: EventType;
  stages: Stage[];
}

export interface GateEntry {
  code: GateCode;
  /** The requirement IDs that define it (e.g. `Q1`, `E1`). */
  requirements: string[];
  /** The moves it guards: each event and the stages where that move is valid. */
  guards: GateGuard[];
  /** What makes it met. */
  satisfiedBy: string;
  /** The events (or endpoints) that record what it checks. */
  recordedBy: string[];
}

interface Rule {
  satisfiedBy: string;
  recordedBy: string[];
}

const fact = (name: string, event: EventType): Rule => ({
  satisfiedBy: `A non-empty ${name} recorded on the deal.`,
  recordedBy: [event],
});

const SECTION = (name: string): Rule => ({
  satisfiedBy: `A ${name} section recorded for the proposal${name === 'pricing' ? ' with its line items' : ''}.`,
  recordedBy: ['RECORD_PROPOSAL_SECTION'],
});

const summaryRules = Object.fromEntries(
  SUMMARY_KINDS.map((kind) => [
    summaryDraftGate(kind),
    {
      satisfiedBy: `A draft of the client-safe ${kind.replace(/_/g, ' ')} summary exists (any revision).`,
      recordedBy: ['RECORD_CLIENT_SAFE_SUMMARY'],
    },
  ]),
) as Record<ReturnType<typeof summaryDraftGate>, Rule>;

const RULES: Record<GateCode, Rule> = {
  stage: {
    satisfiedBy:
      'The event is valid in the deal’s current stage (see `allowedEvents` on the opportunity). A refusal names `stage` first, then every other gate the event would still fail.',
    recordedBy: ['the stage-changing events'],
  },
  source: fact('source (also becomes the deal’s `source`)', 'RECORD_QUALIFICATION'),
  service_fit: fact('service fit', 'RECORD_QUALIFICATION'),
  urgency: fact('urgency', 'RECORD_QUALIFICATION'),
  decision_owner: fact('decision owner', 'RECORD_QUALIFICATION'),
  contact_path: fact('contact path', 'RECORD_QUALIFICATION'),
  budget_signal: fact('budget signal', 'RECORD_QUALIFICATION'),
  next_action: {
    satisfiedBy:
      'A move to another stage carries its own `nextAction` (description, due date, owner); a move within the stage may keep the current one. A loss’s next action is its win-back on the reactivation date.',
    recordedBy: ['the event itself (`nextAction`)', 'SET_NEXT_ACTION'],
  },
  discovery_notes: fact('discovery notes', 'RECORD_DISCOVERY'),
  pain_points: fact('pain points', 'RECORD_DISCOVERY'),
  current_lead_flow: fact('current lead flow', 'RECORD_DISCOVERY'),
  provider_stack: fact('provider stack', 'RECORD_DISCOVERY'),
  decision_criteria: fact('decision criteria', 'RECORD_DISCOVERY'),
  audit_evidence: {
    satisfiedBy:
      'At least one piece of audit evidence. A proposal section of scope, pricing, timeline or expected improvement needs it; the other sections do not.',
    recordedBy: ['RECORD_AUDIT_EVIDENCE'],
  },
  scope: SECTION('scope'),
  exclusions: SECTION('exclusions'),
  assumptions: SECTION('assumptions'),
  integrations: SECTION('integrations'),
  timeline: SECTION('timeline'),
  pricing: SECTION('pricing'),
  proposal_work_paused: {
    satisfiedBy:
      'Proposal work is not paused: audit evidence exists and scope, timeline and decision path are verified (`true`).',
    recordedBy: ['RECORD_AUDIT_EVIDENCE', 'RECORD_VERIFICATION', 'RECORD_CONSENT (decisionPathVerified)'],
  },
  follow_up_paused: {
    satisfiedBy:
      'Follow-up is not paused: consent is `granted`, contact timing and source context are valid (`true`) and the decision path is verified. While paused nothing may contact the client.',
    recordedBy: ['RECORD_CONSENT', 'RECORD_VERIFICATION (decisionPathVerified)'],
  },
  ...summaryRules,
  approval: { satisfiedBy: 'The proposal version is approved by ops or admin.', recordedBy: ['APPROVE'] },
  client_safe_summary: {
    satisfiedBy: 'The client-safe summaries and the proposal message of this version are approved.',
    recordedBy: ['APPROVE_CLIENT_SAFE_SUMMARY'],
  },
  approver_not_submitter: {
    satisfiedBy: 'The approver is not the person who submitted this proposal version.',
    recordedBy: ['SUBMIT_FOR_APPROVAL (the submitter)'],
  },
  approver_not_author: {
    satisfiedBy:
      'The approver wrote none of the proposal’s sections, client-safe summaries or message as they stand now.',
    recordedBy: ['RECORD_PROPOSAL_SECTION', 'RECORD_CLIENT_SAFE_SUMMARY', 'RECORD_PROPOSAL_MESSAGE'],
  },
  approver_role: { satisfiedBy: 'The approver has the role `ops` or `admin`.', recordedBy: ['POST /v1/users'] },
  approves_current_text: {
    satisfiedBy:
      'The approval names the current proposal `version`, every drafted summary at its current revision and the message’s current revision (see the opportunity’s `proposal`). Any later edit voids it.',
    recordedBy: ['APPROVE_CLIENT_SAFE_SUMMARY (proposalVersion, summaries, message)'],
  },
  objection_open: { satisfiedBy: 'No objection is still open.', recordedBy: ['RESOLVE_OBJECTION'] },
  known_objection: {
    satisfiedBy: 'The objection named by `objectionId` was recorded on this deal.',
    recordedBy: ['RECORD_OBJECTION'],
  },
  contract_state: {
    satisfiedBy: `The contract state is \`signed\` (of ${CONTRACT_STATES.join(', ')}).`,
    recordedBy: ['RECORD_CONTRACT'],
  },
  payment_state: {
    satisfiedBy: `A payment state after invoicing: any of ${PAYMENT_STATES.filter((s) => s !== 'not_invoiced').join(
      ', ',
    )} (not \`not_invoiced\`). \`overdue\` counts: the invoice exists and delivery inherits the debt.`,
    recordedBy: ['RECORD_CONTRACT'],
  },
  kickoff_date: fact('kickoff date', 'RECORD_CONTRACT'),
  onboarding_owner: fact('onboarding owner', 'RECORD_CONTRACT'),
  launch_blockers: {
    satisfiedBy: 'The launch blockers are recorded; an empty list records that there are none.',
    recordedBy: ['RECORD_CONTRACT'],
  },
  may_reassign: {
    satisfiedBy: 'The one reassigning is the deal’s current owner, or has the role `ops` or `admin`.',
    recordedBy: ['REASSIGN (the actor)', 'POST /v1/users'],
  },
  handoff_client: {
    satisfiedBy:
      'The client is named: an existing client by `clientId`, or a new one by `name` (and `domain`). A name or domain that matches an existing client reuses it; one that matches two clients is refused, naming them.',
    recordedBy: ['RECORD_HANDOFF_CLIENT'],
  },
  portal_contacts: {
    satisfiedBy: 'At least one portal contact (name and email) who will log in to the client portal.',
    recordedBy: ['RECORD_PORTAL_CONTACTS'],
  },
  connector_accounts: {
    satisfiedBy: `At least one provider account delivery must connect, with its provider, account reference and access status (${CONNECTOR_ACCESS_STATES.join(', ')}). Access other than \`granted\` holds the handoff in \`won\` until ops record it granted.`,
    recordedBy: ['RECORD_CONNECTOR_ACCOUNT'],
  },
  data_sources: {
    satisfiedBy: 'At least one data source (kind, name) fed by a recorded connector account.',
    recordedBy: ['RECORD_DATA_SOURCE'],
  },
  known_connector: {
    satisfiedBy: 'The data source’s `connectorId` names a connector account recorded on this deal.',
    recordedBy: ['RECORD_CONNECTOR_ACCOUNT'],
  },
  reporting_baseline: {
    satisfiedBy:
      'At least one lead-flow figure from the audit (metric, value, unit, period and where it was measured), the baseline reporting is measured against.',
    recordedBy: ['RECORD_REPORTING_BASELINE'],
  },
  services_sold: {
    satisfiedBy: 'At least one active service of the catalogue (`GET /v1/services`) named as sold.',
    recordedBy: ['RECORD_SERVICES_SOLD'],
  },
  handoff_complete: {
    satisfiedBy:
      'Every handoff record (client, project, tasks, portal, connectors, reporting) was written with its required fields, as the recorded handoff context says.',
    recordedBy: ['the deal’s workflow (COMPLETE_HANDOFF)'],
  },
  lost_reason: {
    satisfiedBy: `A lost reason; ${LOST_REASONS_NEEDING_DETAIL.join(', ')} also need a \`detail\`.`,
    recordedBy: ['MARK_LOST'],
  },
  reactivation_window: {
    satisfiedBy: 'A `reactivateAt` after the time of the loss.',
    recordedBy: ['MARK_LOST'],
  },
};

function requirementsOf(code: GateCode): string[] {
  return Object.entries(GATES)
    .filter(([id, codes]) => id !== 'STAGE' && (codes as readonly string[]).includes(code))
    .map(([id]) => id);
}

function guardsOf(code: GateCode): GateGuard[] {
  const moves = MOVES.filter(
    (m) => code === 'stage' || (m.gates as readonly string[]).includes(code) || m.payloadGates.includes(code as never),
  );
  return moves.map((m) => ({ event: m.event, stages: [...m.from] }));
}

/** The whole catalogue, one entry per gate code, in the order of the vocabulary. */
export function gateCatalogue(): GateEntry[] {
  return GATE_CODES.map((code) => ({
    code,
    requirements: requirementsOf(code),
    guards: guardsOf(code),
    ...RULES[code],
  }));
}
