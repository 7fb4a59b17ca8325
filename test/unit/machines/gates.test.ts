/**
 * One test per gate code: the move is refused while the gate is unmet (the code is named
 * among the unmet gates) and allowed once it is met.
 */
import {
  applyEvent,
  DISCOVERY_FACTS,
  explain,
  HANDOFF_FACTS,
  isFinalStage,
  OPEN_STAGES,
  PROPOSAL_SECTIONS,
  QUALIFICATION_FACTS,
  CALLER_EVENTS,
  INDIRECT_EVENTS,
  SUMMARY_DRAFT_GATES,
  SUMMARY_KINDS,
  type DealState,
} from '../../../machines/opportunity';
import {
  accept,
  admin,
  allFacts,
  allSummaries,
  allHandoffRecords,
  at,
  bare,
  contractFacts,
  dealAt,
  discoveryFacts,
  ev,
  evidence,
  followUpValid,
  handoffContext,
  lostEvent,
  newDeal,
  ops,
  qualificationFacts,
  refuse,
  rep,
  section,
  summaryApproval,
  system,
  verified,
} from './support';

/** A deal in proposal with the four client-safe summary drafts recorded (K1), so the other gates show alone. */
const withSummaries = (deal: DealState): DealState => allSummaries().reduce(accept, deal);
/** A deal in contract with the handoff context recorded (HO1), so the other gates of MARK_WON show alone. */
const withHandoffContext = (deal: DealState): DealState => handoffContext().reduce(accept, deal);

describe('Q1 qualification', () => {
  it('[Q1] refuses QUALIFY naming every unmet fact and the next action', () => {
    const deal = newDeal();
    expect(refuse(deal, bare('QUALIFY'))).toEqual([...QUALIFICATION_FACTS, 'next_action']);
  });

  it('[Q1] names only the facts still missing, and qualifies once all six and a next action are there', () => {
    let deal = accept(
      newDeal(),
      ev('RECORD_QUALIFICATION', { facts: { source: 'Referral from Acme', urgency: 'Launch in May' } }),
    );
    expect(refuse(deal, ev('QUALIFY'))).toEqual(['service_fit', 'decision_owner', 'contact_path', 'budget_signal']);
    deal = accept(
      deal,
      ev('RECORD_QUALIFICATION', { facts: { service_fit: 'fits', decision_owner: 'CEO', contact_path: 'email' } }),
    );
    expect(refuse(deal, ev('QUALIFY'))).toEqual(['budget_signal']);
    deal = accept(deal, ev('RECORD_QUALIFICATION', { facts: { budget_signal: '10k/month' } }));
    expect(explain(deal).allowedEvents).toContain('QUALIFY');
    const qualified = accept(deal, ev('QUALIFY'));
    expect(qualified.stage).toBe('qualified');
    for (const fact of QUALIFICATION_FACTS) expect(qualified.context.qualification[fact]).toEqual(expect.any(String));
  });

  it('[Q1] explain lists the unmet Q1 facts as the gates of the next stage', () => {
    const deal = accept(newDeal(), ev('RECORD_QUALIFICATION', { facts: { source: 'ads' } }));
    const e = explain(deal);
    expect(e.nextStage).toBe('qualified');
    const missing = QUALIFICATION_FACTS.filter((f) => f !== 'source');
    // The move brings its own next action (E1), so it is listed among what the next stage needs.
    expect(e.nextStageGates).toEqual([...missing, 'next_action']);
    expect(e.refusedEvents.QUALIFY).toEqual(missing);
  });
});

describe('D1 discovery', () => {
  it('[D1] refuses START_AUDIT until discovery notes, pain points, lead flow, provider stack and decision criteria are captured', () => {
    let deal = dealAt('discovery');
    expect(refuse(deal, ev('START_AUDIT'))).toEqual([...DISCOVERY_FACTS]);
    deal = accept(
      deal,
      ev('RECORD_DISCOVERY', { facts: { discovery_notes: 'call notes', pain_points: 'slow replies' } }),
    );
    expect(refuse(deal, ev('START_AUDIT'))).toEqual(['current_lead_flow', 'provider_stack', 'decision_criteria']);
    deal = accept(deal, discoveryFacts());
    expect(accept(deal, ev('START_AUDIT')).stage).toBe('audit');
  });
});

describe('A1 audit evidence first', () => {
  it('[A1] refuses START_PROPOSAL without audit evidence and allows it with evidence', () => {
    let deal = accept(dealAt('audit'), verified());
    expect(refuse(deal, ev('START_PROPOSAL'))).toEqual(['audit_evidence', 'proposal_work_paused']);
    deal = accept(deal, evidence());
    expect(accept(deal, ev('START_PROPOSAL')).stage).toBe('proposal');
  });

  it('[A1] refuses a scope, pricing, timeline or expected-improvement section without audit evidence', () => {
    // A proposal without evidence cannot arise through the machine; the gate still holds for stored data.
    const base = dealAt('proposal');
    const noEvidence: DealState = { ...base, context: { ...base.context, auditEvidence: [] } };
    for (const s of ['scope', 'pricing', 'timeline', 'expected_improvement']) {
      expect(refuse(noEvidence, section(s))).toEqual(expect.arrayContaining(['audit_evidence']));
    }
    // Sections that name none of them do not need evidence (only the pause blocks them here).
    expect(refuse(noEvidence, section('exclusions'))).toEqual(['proposal_work_paused']);
    for (const s of ['scope', 'pricing', 'timeline', 'expected_improvement']) {
      expect(accept(base, section(s)).context.proposal.sections[s as 'scope']).not.toBeNull();
    }
  });

  it('[A1] audit evidence can only be recorded from the audit stage on', () => {
    expect(refuse(dealAt('discovery'), evidence())).toEqual(['stage']);
    expect(accept(dealAt('audit'), evidence()).context.auditEvidence).toHaveLength(1);
  });
});

describe('S1 separate proposal sections', () => {
  it('[S1] refuses SUBMIT_FOR_APPROVAL naming every missing section, then submits once all six are recorded', () => {
    expect(refuse(dealAt('proposal'), ev('SUBMIT_FOR_APPROVAL'))).toEqual([
      ...PROPOSAL_SECTIONS,
      ...SUMMARY_DRAFT_GATES,
    ]);
    let deal = withSummaries(dealAt('proposal'));
    expect(refuse(deal, ev('SUBMIT_FOR_APPROVAL'))).toEqual([...PROPOSAL_SECTIONS]);
    deal = accept(deal, section('scope'));
    deal = accept(deal, section('pricing'));
    expect(refuse(deal, ev('SUBMIT_FOR_APPROVAL'))).toEqual(['exclusions', 'assumptions', 'integrations', 'timeline']);
    for (const s of ['exclusions', 'assumptions', 'integrations', 'timeline']) deal = accept(deal, section(s));
    const submitted = accept(deal, ev('SUBMIT_FOR_APPROVAL'));
    expect(submitted.stage).toBe('approval');
    expect(submitted.context.proposal.submittedBy).toBe(rep.id);
  });

  it('[S1] keeps each section on its own: recording pricing does not satisfy scope', () => {
    const deal = accept(
      dealAt('proposal'),
      ev('RECORD_PROPOSAL_SECTION', { section: 'pricing', sectionId: 'line-items-1' }),
    );
    expect(deal.context.proposal.sections.pricing).toMatchObject({ sectionId: 'line-items-1', version: 1 });
    expect(deal.context.proposal.sections.scope).toBeNull();
    expect(refuse(deal, ev('SUBMIT_FOR_APPROVAL'))).toContain('scope');
  });

  it('[S1] proposal sections are recorded only while the deal is in proposal', () => {
    // In audit, proposal work is still paused (no evidence, nothing verified): named after `stage`.
    expect(refuse(dealAt('audit'), section('exclusions'))).toEqual(['stage', 'proposal_work_paused']);
    expect(refuse(dealAt('approval'), section('exclusions'))).toEqual(['stage']);
  });
});

describe('P1 proposal-work pause', () => {
  it('[P1] a new deal has proposal work paused for every reason', () => {
    const e = explain(newDeal());
    expect(e.pauses.proposalWork).toEqual({
      paused: true,
      reasons: ['audit_evidence', 'scope', 'timeline', 'decision_path'],
    });
    expect(newDeal().value).toMatchObject({ proposalWork: 'paused' });
  });

  it('[P1] refuses START_PROPOSAL while scope, timeline or decision path is unverified; the pause lifts itself and shows what remains', () => {
    let deal = accept(accept(dealAt('audit'), evidence()), ev('RECORD_VERIFICATION', { decisionPathVerified: false }));
    expect(explain(deal).pauses.proposalWork.reasons).toEqual(['scope', 'timeline', 'decision_path']);
    expect(refuse(deal, ev('START_PROPOSAL'))).toEqual(['proposal_work_paused']);
    deal = accept(deal, ev('RECORD_VERIFICATION', { scopeVerified: true, timelineVerified: true }));
    expect(explain(deal).pauses.proposalWork).toEqual({ paused: true, reasons: ['decision_path'] });
    expect(refuse(deal, ev('START_PROPOSAL'))).toEqual(['proposal_work_paused']);
    deal = accept(deal, ev('RECORD_VERIFICATION', { decisionPathVerified: true }));
    expect(explain(deal).pauses.proposalWork).toEqual({ paused: false, reasons: [] });
    expect(deal.value).toMatchObject({ proposalWork: 'active' });
    expect(accept(deal, ev('START_PROPOSAL')).stage).toBe('proposal');
  });

  it('[P1] a pause that returns in proposal blocks sections and submission until verified again', () => {
    let deal = withSummaries(dealAt('proposal'));
    for (const s of PROPOSAL_SECTIONS.slice(0, 5)) deal = accept(deal, section(s));
    deal = accept(deal, ev('RECORD_VERIFICATION', { timelineVerified: false }));
    expect(deal.value).toMatchObject({ proposalWork: 'paused' });
    expect(explain(deal).pauses.proposalWork.reasons).toEqual(['timeline']);
    expect(refuse(deal, section('pricing'))).toEqual(['proposal_work_paused']);
    expect(refuse(deal, ev('SUBMIT_FOR_APPROVAL'))).toEqual(['pricing', 'proposal_work_paused']);
    expect(explain(deal).refusedEvents.RECORD_PROPOSAL_SECTION).toEqual(['proposal_work_paused']);
    deal = accept(deal, ev('RECORD_VERIFICATION', { timelineVerified: true }));
    deal = accept(deal, section('pricing'));
    expect(accept(deal, ev('SUBMIT_FOR_APPROVAL')).stage).toBe('approval');
  });

  it('[P1] the proposal-work pause does not block moves that are not proposal work', () => {
    const deal = accept(dealAt('discovery'), ev('RECORD_VERIFICATION', { scopeVerified: false }));
    expect(explain(deal).pauses.proposalWork.paused).toBe(true);
    expect(accept(accept(deal, discoveryFacts()), ev('START_AUDIT')).stage).toBe('audit');
  });
});

describe('F1 follow-up pause', () => {
  it('[F1] a new deal has follow-up paused for consent, timing, source context and decision path', () => {
    expect(explain(newDeal()).pauses.followUp).toEqual({
      paused: true,
      reasons: ['consent', 'timing', 'source_context', 'decision_path'],
    });
    expect(newDeal().value).toMatchObject({ followUp: 'paused' });
  });

  it('[F1] refuses RECORD_FOLLOW_UP while follow-up is paused and allows it once every fact is valid', () => {
    let deal = accept(newDeal(), ev('RECORD_CONSENT', { consent: 'granted', contactTimingValid: true }));
    expect(explain(deal).pauses.followUp.reasons).toEqual(['source_context', 'decision_path']);
    expect(refuse(deal, ev('RECORD_FOLLOW_UP'))).toEqual(['follow_up_paused']);
    expect(explain(deal).refusedEvents.RECORD_FOLLOW_UP).toEqual(['follow_up_paused']);
    deal = accept(deal, ev('RECORD_CONSENT', { sourceContextValid: true, decisionPathVerified: true }));
    expect(deal.value).toMatchObject({ followUp: 'active' });
    expect(explain(deal).allowedEvents).toContain('RECORD_FOLLOW_UP');
    const followedUp = accept(deal, ev('RECORD_FOLLOW_UP', { note: 'Sent the case study' }));
    expect(followedUp.context.followUp.followUpCount).toBe(1);
  });

  it('[F1] withdrawn consent pauses follow-up again (with reason consent) but does not block stage moves', () => {
    let deal = accept(dealAt('qualified'), ev('RECORD_CONSENT', { consent: 'withdrawn' }));
    expect(explain(deal).pauses.followUp).toEqual({ paused: true, reasons: ['consent'] });
    expect(deal.value).toMatchObject({ followUp: 'paused' });
    expect(refuse(deal, ev('RECORD_FOLLOW_UP'))).toEqual(['follow_up_paused']);
    deal = accept(deal, ev('START_DISCOVERY'));
    expect(deal.stage).toBe('discovery');
  });

  it('[F1] the decision path is one fact shared by both pauses', () => {
    const deal = accept(dealAt('qualified'), ev('RECORD_VERIFICATION', { decisionPathVerified: false }));
    expect(explain(deal).pauses.followUp.reasons).toEqual(['decision_path']);
    expect(explain(deal).pauses.proposalWork.reasons).toContain('decision_path');
  });
});

describe('AP1 approval', () => {
  it('[AP1] refuses APPROVE by the submitter and by a non-ops role, allows it by sales ops', () => {
    const deal = dealAt('approval');
    // The rep submitted and wrote every section and summary.
    expect(refuse(deal, ev('APPROVE'))).toEqual(['approver_role', 'approver_not_submitter', 'approver_not_author']);
    expect(refuse(deal, ev('APPROVE', { actor: { id: 'rep-2', role: 'rep' } }))).toEqual(['approver_role']);
    const approved = accept(deal, ev('APPROVE', { actor: ops }));
    expect(approved.stage).toBe('approval');
    expect(approved.context.proposal.approvedBy).toBe(ops.id);
  });

  it('[AP1] an ops user who submitted cannot approve their own proposal', () => {
    let deal = withSummaries(dealAt('proposal'));
    for (const s of PROPOSAL_SECTIONS) deal = accept(deal, section(s));
    deal = accept(deal, ev('SUBMIT_FOR_APPROVAL', { actor: ops }));
    expect(refuse(deal, ev('APPROVE', { actor: ops }))).toEqual(['approver_not_submitter']);
    expect(refuse(deal, summaryApproval(deal, { actor: ops }))).toEqual(['approver_not_submitter']);
    expect(accept(deal, ev('APPROVE', { actor: admin })).context.proposal.approvedBy).toBe(admin.id);
  });

  it('[AP1] refuses SEND_PROPOSAL until the proposal and its client-safe summary are both approved', () => {
    let deal = dealAt('approval');
    expect(refuse(deal, ev('SEND_PROPOSAL'))).toEqual(['approval', 'client_safe_summary']);
    deal = accept(deal, ev('APPROVE', { actor: ops }));
    expect(refuse(deal, ev('SEND_PROPOSAL'))).toEqual(['client_safe_summary']);
    expect(explain(deal).nextStageGates).toEqual(['client_safe_summary', 'next_action']);
    expect(refuse(deal, summaryApproval(deal, { actor: rep }))).toEqual([
      'approver_role',
      'approver_not_submitter',
      'approver_not_author',
    ]);
    deal = accept(deal, summaryApproval(deal));
    expect(deal.context.proposal).toMatchObject({
      clientSafeSummaryApprovedBy: ops.id,
      approvedSummaries: Object.fromEntries(SUMMARY_KINDS.map((kind) => [kind, 1])),
      approvedMessage: null,
    });
    expect(accept(deal, ev('SEND_PROPOSAL')).stage).toBe('sent');
  });

  it('[AP1] REJECT returns the proposal to work and clears the approvals', () => {
    let deal = accept(dealAt('approval'), ev('APPROVE', { actor: ops }));
    deal = accept(deal, ev('REJECT', { actor: ops, reason: 'Pricing assumptions are internal' }));
    expect(deal.stage).toBe('proposal');
    expect(deal.context.proposal).toMatchObject({
      approvedBy: null,
      submittedBy: null,
      clientSafeSummaryApprovedBy: null,
    });
    expect(deal.context.proposal.rejections).toEqual([
      expect.objectContaining({ version: 1, reason: 'Pricing assumptions are internal', by: ops.id }),
    ]);
  });
});

describe('T1 and R1: sent proposals, objections and revisions', () => {
  it('[T1] records sent date, probability, decision deadline and first and last viewed dates', () => {
    let deal = dealAt('sent');
    const sentAt = deal.context.proposal.sentAt;
    expect(sentAt).toEqual(expect.any(String));
    expect(deal.context.proposal).toMatchObject({ probability: 60, decisionDeadline: at(50_000), firstViewedAt: null });
    const view1 = bare('RECORD_VIEW', { actor: { id: 'client-1', role: 'portal' } });
    deal = accept(deal, view1);
    const view2 = bare('RECORD_VIEW', { actor: { id: 'client-1', role: 'portal' } });
    deal = accept(deal, view2);
    expect(deal.context.proposal).toMatchObject({ firstViewedAt: view1.at, lastViewedAt: view2.at, viewCount: 2 });
    deal = accept(accept(deal, followUpValid()), bare('RECORD_FOLLOW_UP'));
    expect(deal.context.proposal.lastFollowUpAt).toEqual(expect.any(String));
  });

  it('[T1] refuses ACCEPT while an objection is open (objection_open) and allows it once resolved', () => {
    let deal = accept(dealAt('sent'), ev('RECORD_OBJECTION', { objectionId: 'o-1', summary: 'Too expensive' }));
    expect(refuse(deal, ev('ACCEPT'))).toEqual(['objection_open']);
    expect(explain(deal).refusedEvents.ACCEPT).toEqual(['objection_open']);
    expect(refuse(deal, ev('RESOLVE_OBJECTION', { objectionId: 'o-2' }))).toEqual(['known_objection']);
    deal = accept(deal, ev('RESOLVE_OBJECTION', { objectionId: 'o-1' }));
    expect(deal.context.proposal.objections[0]).toMatchObject({
      objectionId: 'o-1',
      summary: 'Too expensive',
      resolvedBy: rep.id,
    });
    expect(accept(deal, ev('ACCEPT')).stage).toBe('contract');
  });

  it('[R1] REVISE_PROPOSAL makes a new version, keeps the sent one and needs re-approval before sending again', () => {
    const sent = dealAt('sent');
    expect(refuse(sent, bare('REVISE_PROPOSAL', { reason: 'Scope change' }))).toEqual(['next_action']);
    let deal = accept(sent, ev('REVISE_PROPOSAL', { reason: 'Scope change' }));
    expect(deal.stage).toBe('proposal');
    expect(deal.context.proposal).toMatchObject({
      version: 2,
      approvedBy: null,
      clientSafeSummaryApprovedBy: null,
      sentAt: null,
    });
    expect(deal.context.proposal.previousVersions).toEqual([
      expect.objectContaining({ version: 1, sentAt: sent.context.proposal.sentAt, reason: 'Scope change' }),
    ]);
    deal = accept(deal, section('scope'));
    expect(deal.context.proposal.sections.scope?.version).toBe(2);
    deal = accept(deal, ev('SUBMIT_FOR_APPROVAL'));
    expect(refuse(deal, ev('SEND_PROPOSAL'))).toEqual(['approval', 'client_safe_summary']);
  });
});

describe('W2 contract facts before MARK_WON', () => {
  it('[W2] refuses MARK_WON naming every missing contract fact, allows it once recorded', () => {
    // With the handoff context (HO1) recorded, the contract facts are all that is missing.
    let deal = withHandoffContext(dealAt('contract'));
    expect(refuse(deal, ev('MARK_WON'))).toEqual([...HANDOFF_FACTS]);
    deal = accept(deal, ev('RECORD_CONTRACT', { contractState: 'sent', paymentState: 'not_invoiced' }));
    expect(refuse(deal, ev('MARK_WON'))).toEqual([...HANDOFF_FACTS]);
    deal = accept(deal, ev('RECORD_CONTRACT', { contractState: 'signed', kickoffDate: '2025-03-03' }));
    expect(refuse(deal, ev('MARK_WON'))).toEqual(['payment_state', 'onboarding_owner', 'launch_blockers']);
    deal = accept(
      deal,
      ev('RECORD_CONTRACT', { paymentState: 'invoiced', onboardingOwner: 'onb-1', launchBlockers: [] }),
    );
    const won = accept(deal, ev('MARK_WON'));
    expect(won.stage).toBe('won');
    expect(won.context.contract).toEqual({
      contractState: 'signed',
      paymentState: 'invoiced',
      kickoffDate: '2025-03-03',
      onboardingOwner: 'onb-1',
      launchBlockers: [],
    });
  });

  it('[W2] in won a contract update may record payment but may not undo a W2 fact', () => {
    const won = dealAt('won');
    expect(accept(won, ev('RECORD_CONTRACT', { paymentState: 'paid' })).context.contract.paymentState).toBe('paid');
    expect(refuse(won, ev('RECORD_CONTRACT', { contractState: 'cancelled', paymentState: 'not_invoiced' }))).toEqual([
      'contract_state',
      'payment_state',
    ]);
  });
});

describe('W1 handoff', () => {
  it('[W1] refuses COMPLETE_HANDOFF until client, project, tasks, portal, connectors and reporting records exist', () => {
    const won = dealAt('won');
    expect(refuse(won, bare('COMPLETE_HANDOFF', { records: { ...allHandoffRecords, connectors: false } }))).toEqual([
      'handoff_complete',
    ]);
    const done = accept(won, bare('COMPLETE_HANDOFF', { actor: system, records: allHandoffRecords }));
    expect(done.stage).toBe('handed_off');
    expect(done.context.handoff).toEqual(allHandoffRecords);
    expect(done.context.nextAction).toBeNull();
    expect(isFinalStage(done.stage)).toBe(true);
  });

  it('handed_off is final: every event a person sends is refused with `stage` first', () => {
    const done = dealAt('handed_off');
    const e = explain(done);
    expect(e.allowedEvents).toEqual([]);
    expect(e.nextStage).toBeNull();
    expect(Object.keys(e.refusedEvents).sort()).toEqual([...CALLER_EVENTS].sort());
    for (const type of CALLER_EVENTS) expect(e.refusedEvents[type]?.[0]).toBe('stage');
    for (const type of INDIRECT_EVENTS) expect(e.refusedEvents[type]).toBeUndefined();
    expect(refuse(done, lostEvent())).toEqual(['stage']);
    expect(isFinalStage('lost')).toBe(false);
  });
});

describe('L1 lost deals', () => {
  it('[L1] refuses MARK_LOST without a reason and a reactivation window', () => {
    expect(refuse(dealAt('qualified'), bare('MARK_LOST'))).toEqual(['lost_reason', 'reactivation_window']);
  });

  it('[L1] competitor, budget and no-fit losses need their context; the window must open after the loss', () => {
    const deal = dealAt('sent');
    for (const reason of ['competitor', 'budget', 'no_fit']) {
      expect(refuse(deal, bare('MARK_LOST', { reason, reactivateAt: at(90_000) }))).toEqual(['lost_reason']);
    }
    const e = bare('MARK_LOST', { reason: 'competitor', detail: 'Chose a cheaper agency' });
    expect(refuse(deal, { ...e, reactivateAt: e.at })).toEqual(['reactivation_window']);
    const lost = accept(deal, { ...e, reactivateAt: at(90_000) });
    expect(lost.stage).toBe('lost');
    expect(lost.context.lost).toMatchObject({
      reason: 'competitor',
      detail: 'Chose a cheaper agency',
      reactivateAt: at(90_000),
      fromStage: 'sent',
    });
    expect(
      accept(deal, bare('MARK_LOST', { reason: 'no_decision', reactivateAt: at(90_000) })).context.lost?.detail,
    ).toBeNull();
  });

  it('[L1] a deal can be lost from every open stage, not from won or handed_off, and keeps everything', () => {
    for (const stage of OPEN_STAGES) {
      const deal = dealAt(stage);
      const lost = accept(deal, lostEvent());
      expect(lost.stage).toBe('lost');
      const {
        lost: _l,
        lostHistory: _h,
        lastActivityAt: _a,
        stageEnteredAt: _s,
        nextAction: _n,
        ...kept
      } = lost.context;
      const {
        lost: _l2,
        lostHistory: _h2,
        lastActivityAt: _a2,
        stageEnteredAt: _s2,
        nextAction: _n2,
        ...before
      } = deal.context;
      expect(kept).toEqual(before);
      expect(lost.context.lostHistory).toHaveLength(1);
    }
    expect(refuse(dealAt('won'), lostEvent())).toEqual(['stage']);
    expect(refuse(dealAt('lost'), lostEvent())).toEqual(['stage']);
  });

  it('[L1] REACTIVATE returns the deal to lead with its history; it must qualify again', () => {
    let deal = accept(dealAt('discovery'), lostEvent());
    expect(explain(deal).nextStage).toBe('lead');
    expect(refuse(deal, bare('REACTIVATE'))).toEqual(['next_action']);
    deal = accept(deal, ev('REACTIVATE', { actor: system }));
    expect(deal.stage).toBe('lead');
    expect(deal.context.lost).toBeNull();
    expect(deal.context.lostHistory).toEqual([
      expect.objectContaining({ reason: 'budget', fromStage: 'discovery', reactivatedAt: expect.any(String) }),
    ]);
    // The old facts are kept in the history and confirmed again before the deal qualifies (Q1).
    expect(deal.context.lostHistory[0].qualificationBeforeReactivation).toEqual(allFacts(QUALIFICATION_FACTS));
    expect(refuse(deal, ev('START_DISCOVERY'))).toEqual(['stage']);
    expect(refuse(deal, ev('QUALIFY'))).toEqual([...QUALIFICATION_FACTS]);
    deal = accept(accept(deal, qualificationFacts()), ev('QUALIFY'));
    deal = accept(deal, lostEvent({ reason: 'timing', detail: undefined }));
    expect(deal.context.lostHistory.map((l) => l.reason)).toEqual(['budget', 'timing']);
  });

  it('[L1] reactivation clears proposal approvals so a revived deal is approved again before sending', () => {
    const deal = accept(accept(dealAt('sent'), lostEvent()), ev('REACTIVATE'));
    expect(deal.context.proposal).toMatchObject({
      approvedBy: null,
      clientSafeSummaryApprovedBy: null,
      sentAt: expect.any(String),
    });
  });
});

describe('E1 next action on every non-final move', () => {
  const moves: [string, string, Record<string, unknown>, () => DealState][] = [
    ['lead', 'QUALIFY', {}, () => accept(accept(newDeal(), qualificationFacts()), followUpValid())],
    ['qualified', 'START_DISCOVERY', {}, () => dealAt('qualified')],
    ['discovery', 'START_AUDIT', {}, () => accept(dealAt('discovery'), discoveryFacts())],
    ['audit', 'START_PROPOSAL', {}, () => accept(accept(dealAt('audit'), evidence()), verified())],
    [
      'proposal',
      'SUBMIT_FOR_APPROVAL',
      {},
      () => PROPOSAL_SECTIONS.reduce((d, s) => accept(d, section(s)), withSummaries(dealAt('proposal'))),
    ],
    ['approval', 'REJECT', { reason: 'Needs clearer exclusions' }, () => dealAt('approval')],
    [
      'approval',
      'SEND_PROPOSAL',
      {},
      () => {
        const approved = accept(dealAt('approval'), ev('APPROVE', { actor: ops }));
        return accept(approved, summaryApproval(approved));
      },
    ],
    ['sent', 'ACCEPT', {}, () => dealAt('sent')],
    ['sent', 'REVISE_PROPOSAL', { reason: 'New scope' }, () => dealAt('sent')],
    ['contract', 'MARK_WON', {}, () => withHandoffContext(accept(dealAt('contract'), contractFacts()))],
    ['lost', 'REACTIVATE', {}, () => dealAt('lost')],
  ];
  it.each(moves)(
    '[E1] in %s, refuses %s without a next action and takes the one given',
    (_stage, type, extra, make) => {
      const deal = make();
      expect(refuse(deal, bare(type, extra))).toEqual(['next_action']);
      const e = ev(type, extra);
      const next = accept(deal, e);
      expect(next.stage).not.toBe(deal.stage);
      expect(next.context.nextAction).toEqual(e.nextAction);
    },
  );

  it('[E1] a fact on a new deal needs a next action; afterwards facts keep the current one', () => {
    const deal = newDeal();
    expect(deal.context.nextAction).toBeNull();
    expect(refuse(deal, bare('RECORD_QUALIFICATION', { facts: { source: 'ads' } }))).toEqual(['next_action']);
    const first = ev('RECORD_QUALIFICATION', { facts: { source: 'ads' } });
    const withAction = accept(deal, first);
    expect(withAction.context.nextAction).toEqual(first.nextAction);
    const later = accept(withAction, bare('RECORD_QUALIFICATION', { facts: { urgency: 'high' } }));
    expect(later.context.nextAction).toEqual(first.nextAction);
    expect(later.context.lastActivityAt).not.toBe(withAction.context.lastActivityAt);
  });

  it('[E1] SET_NEXT_ACTION replaces the next action; lost and handed_off need none', () => {
    const deal = dealAt('qualified');
    const set = ev('SET_NEXT_ACTION', {
      nextAction: { description: 'Book discovery call', dueAt: at(9_000), ownerId: 'rep-2' },
    });
    expect(accept(deal, set).context.nextAction).toEqual({
      description: 'Book discovery call',
      dueAt: at(9_000),
      ownerId: 'rep-2',
    });
    const lost = accept(deal, lostEvent());
    // MARK_LOST without a next action of its own leaves the win-back as the next step (E1, WB1).
    expect(lost.context.nextAction).toEqual({ description: 'Win back', dueAt: at(100_000), ownerId: 'rep-1' });
    expect(accept(lost, bare('RECORD_CONSENT', { consent: 'withdrawn' })).context.followUp.consent).toBe('withdrawn');
  });

  it('[E1] every accepted move records its actor, timestamp and stage change', () => {
    const deal = dealAt('qualified');
    const e = ev('START_DISCOVERY', { actor: ops });
    const result = applyEvent(deal, e);
    expect(result).toMatchObject({
      ok: true,
      stageBefore: 'qualified',
      stageAfter: 'discovery',
      changed: true,
      event: e,
    });
    if (result.ok) expect(result.state.context).toMatchObject({ lastActivityAt: e.at, stageEnteredAt: e.at });
  });
});

describe('stage gate', () => {
  it('an event not valid in the current stage is refused with `stage` first, then whatever its moves elsewhere still need', () => {
    expect(refuse(newDeal(), ev('SEND_PROPOSAL'))).toEqual([
      'stage',
      'approval',
      'client_safe_summary',
      'proposal_work_paused',
      'follow_up_paused',
    ]);
    expect(refuse(dealAt('proposal'), ev('QUALIFY'))).toEqual(['stage']);
    expect(refuse(dealAt('sent'), ev('APPROVE', { actor: ops }))).toEqual(['stage']);
    expect(explain(dealAt('sent')).refusedEvents.APPROVE).toEqual(['stage']);
  });
});
