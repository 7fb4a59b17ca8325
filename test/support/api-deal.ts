/**
 * HTTP bodies of `POST /v1/opportunities/:id/events` that walk a deal along the happy path
 * (no actor or at: the API sets them), and helpers to send them as a rep or as ops.
 * Text marked INTERNAL must never reach a client (K1); text marked CLIENT may, once approved.
 */
import {
  FIRST_SUMMARY_APPROVAL,
  fixtureClient,
  handoffContextEvents,
  inSeconds,
  nextAction,
  PATH_ORDER,
  QUALIFICATION_FACTS,
} from '../../fixtures/deal-events';
import { httpClient } from './http';

export type Api = ReturnType<typeof httpClient>;
export type Step = { as: 'rep' | 'ops'; body: Record<string, unknown> };

export const INTERNAL = {
  assumptions: 'INTERNAL-ASSUMPTION: margin relies on the provider discount',
  audit: 'INTERNAL-RAW-AUDIT: their Twilio account is misconfigured and the vendor is flaky',
  discovery: 'INTERNAL-DISCOVERY: the COO is unhappy with the current agency',
  lineItem: 'INTERNAL-LINE: our cost of the provider seat',
};
export const CLIENT = {
  scope: 'CLIENT-SCOPE: after-hours call routing for both locations',
  pricing: 'CLIENT-PRICING: setup and three months of managed routing',
  summary: 'CLIENT-SUMMARY: about a third of after-hours calls go unanswered',
  revenueProof: 'CLIENT-PROOF: twelve more booked jobs a month at the current close rate',
  providerCaveats: 'CLIENT-CAVEAT: number porting takes the carrier up to ten days',
  launchBlockers: 'CLIENT-BLOCKERS: none known',
  message: 'CLIENT-MESSAGE: here is the proposal we discussed',
  lineItem: 'CLIENT-LINE: setup',
};

/** The four client-safe summaries of the happy path (K1). */
export const SUMMARY_BODIES = {
  audit_findings: CLIENT.summary,
  revenue_proof: CLIENT.revenueProof,
  provider_caveats: CLIENT.providerCaveats,
  launch_blockers: CLIENT.launchBlockers,
};

const section = (
  name: string,
  body: string,
  visibility: 'internal' | 'client_safe',
  extra: Record<string, unknown> = {},
) => ({
  type: 'RECORD_PROPOSAL_SECTION',
  section: name,
  attachments: { body, visibility, ...extra },
});

/** The steps that leave each stage forward, keyed by that stage. */
/** The handoff context (HO1) as HTTP bodies: the fixture's events without actor and time. */
export function httpHandoffContext(client = fixtureClient()): Step[] {
  return handoffContextEvents({ id: 'caller', role: 'rep' }, client).map(
    ({ actor: _actor, at: _at, ...body }): Step => ({ as: 'rep', body }),
  );
}

export function httpHappyPath(repId: string, client = fixtureClient()): Record<string, Step[]> {
  const rep = (body: Record<string, unknown>): Step => ({ as: 'rep', body });
  const ops = (body: Record<string, unknown>): Step => ({ as: 'ops', body });
  const move = (type: string, extra: Record<string, unknown> = {}) =>
    rep({ type, nextAction: nextAction(repId), ...extra });
  return {
    lead: [
      rep({ type: 'RECORD_QUALIFICATION', facts: QUALIFICATION_FACTS }),
      rep({
        type: 'RECORD_CONSENT',
        consent: 'granted',
        contactTimingValid: true,
        sourceContextValid: true,
        decisionPathVerified: true,
      }),
      move('QUALIFY'),
    ],
    qualified: [move('START_DISCOVERY')],
    discovery: [
      rep({
        type: 'RECORD_DISCOVERY',
        facts: {
          discovery_notes: INTERNAL.discovery,
          pain_points: 'Missed calls after hours',
          current_lead_flow: 'Web form to shared inbox',
          provider_stack: 'HubSpot, Twilio',
          decision_criteria: 'Booked calls per week',
        },
      }),
      move('START_AUDIT'),
    ],
    audit: [
      rep({
        type: 'RECORD_AUDIT_EVIDENCE',
        evidenceId: 'ev-1',
        summary: INTERNAL.audit,
        attachments: { kind: 'call_log', sourceUrl: 'https://example.com/audit' },
      }),
      rep({ type: 'RECORD_VERIFICATION', scopeVerified: true, timelineVerified: true, decisionPathVerified: true }),
      move('START_PROPOSAL'),
    ],
    proposal: [
      rep(section('scope', CLIENT.scope, 'client_safe')),
      rep(section('exclusions', 'No website changes', 'client_safe')),
      rep(section('assumptions', INTERNAL.assumptions, 'internal')),
      rep(section('integrations', 'HubSpot and Twilio', 'client_safe')),
      rep(section('timeline', 'Four weeks from kickoff', 'client_safe')),
      rep(
        section('pricing', CLIENT.pricing, 'client_safe', {
          lineItems: [
            { description: CLIENT.lineItem, unitPriceCents: 250_000 },
            { description: 'Managed routing (month)', quantity: 3, unitPriceCents: 90_000 },
            { description: INTERNAL.lineItem, unitPriceCents: 12_000, visibility: 'internal' },
          ],
        }),
      ),
      ...Object.entries(SUMMARY_BODIES).map(([kind, body]) =>
        rep({ type: 'RECORD_CLIENT_SAFE_SUMMARY', kind, attachments: { body } }),
      ),
      rep({ type: 'RECORD_PROPOSAL_MESSAGE', attachments: { subject: 'Your proposal', body: CLIENT.message } }),
      move('SUBMIT_FOR_APPROVAL'),
    ],
    approval: [
      ops({ type: 'APPROVE', attachments: { note: 'Pricing checked' } }),
      ops({ type: 'APPROVE_CLIENT_SAFE_SUMMARY', ...FIRST_SUMMARY_APPROVAL, message: 1 }),
      move('SEND_PROPOSAL', { probability: 60, decisionDeadline: inSeconds(30 * 86_400) }),
    ],
    sent: [move('ACCEPT')],
    contract: [
      rep({
        type: 'RECORD_CONTRACT',
        contractState: 'signed',
        paymentState: 'deposit_paid',
        kickoffDate: '2026-12-07',
        onboardingOwner: repId,
        launchBlockers: ['Twilio number port'],
      }),
      ...httpHandoffContext(client),
      move('MARK_WON'),
    ],
  };
}

/** Sends steps in order through the rep's or ops' client; every one must be accepted. */
export async function sendSteps(apis: { rep: Api; ops: Api }, id: string, steps: Step[]) {
  let last: any;
  for (const step of steps) {
    last = await apis[step.as].post(`/v1/opportunities/${id}/events`, step.body);
    if (last.status !== 200)
      throw new Error(`${String(step.body.type)} answered ${last.status}: ${JSON.stringify(last.body)}`);
  }
  return last;
}

/** Walks a deal from its current stage `from` up to (not including) `to`. */
export async function walk(apis: { rep: Api; ops: Api }, id: string, repId: string, from: string, to: string) {
  const steps = httpHappyPath(repId);
  let on = false;
  let last: any;
  for (const stage of PATH_ORDER) {
    if (stage === from) on = true;
    if (stage === to) break;
    if (on) last = await sendSteps(apis, id, steps[stage]);
  }
  return last;
}
