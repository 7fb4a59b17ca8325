/**
 * Builders of well-formed machine events for tests, and the event script that walks a
 * deal along the happy path. Times are real clock times so workflow timers line up.
 */
export type Actor = { id: string; role: 'admin' | 'ops' | 'rep' | 'portal' | 'system' };

export const inSeconds = (seconds: number): string => new Date(Date.now() + seconds * 1000).toISOString();

export function nextAction(ownerId: string, dueInSeconds = 7 * 86_400, description = 'Call the decision owner') {
  return { description, dueAt: inSeconds(dueInSeconds), ownerId };
}

export function eventFactory(actor: Actor) {
  const base = (type: string, extra: Record<string, unknown> = {}) => ({ type, actor, at: new Date().toISOString(), ...extra });
  const withNext = (type: string, extra: Record<string, unknown> = {}) => base(type, { nextAction: nextAction(actor.id), ...extra });
  return { base, withNext };
}

/** Events that make every gate of each forward move pass, keyed by the stage they leave. */
export function happyPathSteps(rep: Actor, approver: Actor) {
  const r = eventFactory(rep);
  const o = eventFactory(approver);
  return {
    lead: [
      r.base('RECORD_QUALIFICATION', {
        facts: {
          source: 'Referral from Northwind',
          service_fit: 'Lead-flow automation',
          urgency: 'Launch before Q3',
          decision_owner: 'COO Dana',
          contact_path: 'dana@example.com',
          budget_signal: '5-10k/month',
        },
      }),
      r.base('RECORD_CONSENT', { consent: 'granted', contactTimingValid: true, sourceContextValid: true, decisionPathVerified: true }),
      r.withNext('QUALIFY'),
    ],
    qualified: [r.withNext('START_DISCOVERY')],
    discovery: [
      r.base('RECORD_DISCOVERY', {
        facts: {
          discovery_notes: 'Two locations, phone-heavy intake',
          pain_points: 'Missed calls after hours',
          current_lead_flow: 'Web form to shared inbox',
          provider_stack: 'HubSpot, Twilio',
          decision_criteria: 'Booked calls per week',
        },
      }),
      r.withNext('START_AUDIT'),
    ],
    audit: [
      r.base('RECORD_AUDIT_EVIDENCE', { evidenceId: 'ev-1', summary: '38% of calls unanswered after 6pm' }),
      r.base('RECORD_VERIFICATION', { scopeVerified: true, timelineVerified: true, decisionPathVerified: true }),
      r.withNext('START_PROPOSAL'),
    ],
    proposal: [
      ...['scope', 'exclusions', 'assumptions', 'integrations', 'timeline', 'pricing'].map((section) =>
        r.base('RECORD_PROPOSAL_SECTION', { section, sectionId: `sec-${section}` }),
      ),
      r.withNext('SUBMIT_FOR_APPROVAL'),
    ],
    approval: [o.base('APPROVE'), o.base('APPROVE_CLIENT_SAFE_SUMMARY', { summaryId: 'sum-1' }), r.withNext('SEND_PROPOSAL', { probability: 60 })],
    sent: [r.withNext('ACCEPT')],
    contract: [
      r.base('RECORD_CONTRACT', {
        contractState: 'signed',
        paymentState: 'deposit_paid',
        kickoffDate: '2026-12-07',
        onboardingOwner: rep.id,
        launchBlockers: ['Twilio number port'],
      }),
      r.withNext('MARK_WON'),
    ],
  } as Record<string, Record<string, unknown>[]>;
}

export const PATH_ORDER = ['lead', 'qualified', 'discovery', 'audit', 'proposal', 'approval', 'sent', 'contract'] as const;

/** The events that take a new deal to `target`, in order. */
export function eventsUpTo(target: string, rep: Actor, approver: Actor): Record<string, unknown>[] {
  const steps = happyPathSteps(rep, approver);
  const events: Record<string, unknown>[] = [];
  for (const stage of PATH_ORDER) {
    if (stage === target) return events;
    events.push(...steps[stage]);
  }
  if (target === 'won') return events;
  throw new Error(`no path to ${target}`);
}
