/**
 * The rules issue 17 found leaking, one test each, through the pure machine: a deadline ends
 * with its version (DL1), both pauses hold back sending and every step of proposal work (F1,
 * P1), four eyes over every author (AP1), approval of the exact client-safe text (K1),
 * reactivation re-confirms qualification and the source has one home (Q1), a lost deal's next
 * step is its win-back (E1), and refusals name every unmet gate (GC1).
 */
import { CLIENT_ATTACHMENTS } from '../../../machines/opportunity/attachments';
import {
  applyEvent,
  createDeal,
  explain,
  INDIRECT_EVENTS,
  OPEN_STAGES,
  pausesHoldingUp,
  PROPOSAL_SECTIONS,
  QUALIFICATION_FACTS,
  STAGES,
  SUMMARY_DRAFT_GATES,
  SUMMARY_KINDS,
  type DealState,
} from '../../../machines/opportunity';
import {
  accept,
  admin,
  allFacts,
  allSummaries,
  at,
  bare,
  currentText,
  dealAt,
  ev,
  evidence,
  HAPPY_PATH,
  lostEvent,
  newDeal,
  ops,
  qualificationFacts,
  refuse,
  rep,
  section,
  summary,
  summaryApproval,
  verified,
} from './support';

const ops2 = { id: 'ops-2', role: 'ops' } as const;

/** A deal in approval whose proposal and client-safe text are both approved by sales ops. */
function approvedDeal(): DealState {
  const approved = accept(dealAt('approval'), ev('APPROVE', { actor: ops }));
  return accept(approved, summaryApproval(approved));
}

/** A deal in proposal with every section and summary written by the rep, after `write` adds its own text. */
function proposalWrittenBy(write: (deal: DealState) => DealState): DealState {
  let deal = dealAt('proposal');
  for (const s of PROPOSAL_SECTIONS) deal = accept(deal, section(s));
  for (const e of allSummaries()) deal = accept(deal, e);
  return write(deal);
}

describe('DL1 a decision deadline belongs to one sent version', () => {
  it('[DL1] REVISE_PROPOSAL leaves the new version without a deadline; the old version keeps its own', () => {
    const sent = dealAt('sent');
    expect(sent.context.proposal.decisionDeadline).toBe(at(50_000));
    let deal = accept(sent, ev('REVISE_PROPOSAL', { reason: 'Scope change' }));
    expect(deal.context.proposal).toMatchObject({ version: 2, decisionDeadline: null });
    expect(deal.context.proposal.previousVersions).toEqual([
      expect.objectContaining({ version: 1, decisionDeadline: at(50_000) }),
    ]);
    // Sent again without a deadline of its own, version 2 has none (the old one is not re-armed).
    deal = accept(deal, ev('SUBMIT_FOR_APPROVAL'));
    deal = accept(deal, ev('APPROVE', { actor: ops }));
    deal = accept(deal, summaryApproval(deal));
    expect(currentText(deal).proposalVersion).toBe(2);
    const resent = accept(deal, ev('SEND_PROPOSAL'));
    expect(resent.context.proposal).toMatchObject({ version: 2, decisionDeadline: null });
    expect(accept(deal, ev('SEND_PROPOSAL', { decisionDeadline: at(80_000) })).context.proposal.decisionDeadline).toBe(
      at(80_000),
    );
  });
});

describe('DL1 a loss ends the deadline', () => {
  it('[DL1] a deal lost from sent, reactivated and sent again without a deadline has none (the old one does not come back)', () => {
    let deal = accept(dealAt('sent'), lostEvent());
    deal = accept(deal, ev('REACTIVATE'));
    // Qualified again (its facts were cleared), then on to approval; sections and summaries are kept.
    for (const [target, events] of HAPPY_PATH) {
      for (const event of events()) {
        const result = applyEvent(deal, event);
        if (result.ok) deal = result.state;
      }
      if (target === 'approval') break;
    }
    expect(deal.stage).toBe('approval');
    deal = accept(deal, ev('APPROVE', { actor: ops }));
    deal = accept(deal, summaryApproval(deal));
    const resent = accept(deal, ev('SEND_PROPOSAL'));
    expect(resent.stage).toBe('sent');
    expect(resent.context.proposal.decisionDeadline).toBeNull();
  });
});

describe('F1 sending a proposal contacts the client', () => {
  it('[F1] SEND_PROPOSAL with consent withdrawn is refused naming follow_up_paused and nothing else', () => {
    const deal = accept(approvedDeal(), ev('RECORD_CONSENT', { consent: 'withdrawn' }));
    expect(explain(deal).pauses.followUp.reasons).toEqual(['consent']);
    expect(refuse(deal, ev('SEND_PROPOSAL'))).toEqual(['follow_up_paused']);
    expect(explain(deal).refusedEvents.SEND_PROPOSAL).toEqual(['follow_up_paused']);
    expect(explain(deal).nextStageGates).toEqual(['follow_up_paused', 'next_action']);
    const granted = accept(deal, ev('RECORD_CONSENT', { consent: 'granted' }));
    expect(accept(granted, ev('SEND_PROPOSAL')).stage).toBe('sent');
  });

  it.each([
    ['timing', { contactTimingValid: false }, ['follow_up_paused']],
    ['source context', { sourceContextValid: false }, ['follow_up_paused']],
    // The decision path is shared by both pauses.
    ['decision path', { decisionPathVerified: false }, ['proposal_work_paused', 'follow_up_paused']],
  ])('[F1] SEND_PROPOSAL is refused while follow-up is paused for %s', (_reason, facts, gates) => {
    expect(refuse(accept(approvedDeal(), ev('RECORD_CONSENT', facts)), ev('SEND_PROPOSAL'))).toEqual(gates);
  });
});

describe('P1 a proposal-work pause stops every step of proposal work', () => {
  it('[P1] APPROVE, APPROVE_CLIENT_SAFE_SUMMARY and SEND_PROPOSAL are refused with proposal_work_paused after submission', () => {
    const submitted = accept(dealAt('approval'), ev('RECORD_VERIFICATION', { decisionPathVerified: false }));
    expect(explain(submitted).pauses.proposalWork.reasons).toEqual(['decision_path']);
    expect(refuse(submitted, ev('APPROVE', { actor: ops }))).toEqual(['proposal_work_paused']);
    expect(refuse(submitted, summaryApproval(submitted))).toEqual(['proposal_work_paused']);
    expect(explain(submitted).refusedEvents).toMatchObject({
      APPROVE: ['proposal_work_paused'],
      APPROVE_CLIENT_SAFE_SUMMARY: ['proposal_work_paused'],
    });

    const approved = accept(approvedDeal(), ev('RECORD_VERIFICATION', { scopeVerified: false }));
    expect(refuse(approved, ev('SEND_PROPOSAL'))).toEqual(['proposal_work_paused']);
    const reverified = accept(approved, ev('RECORD_VERIFICATION', { scopeVerified: true }));
    expect(accept(reverified, ev('SEND_PROPOSAL')).stage).toBe('sent');
  });

  it('[P1] REVISE_PROPOSAL is refused with proposal_work_paused while the sent proposal is paused', () => {
    const deal = accept(dealAt('sent'), ev('RECORD_VERIFICATION', { timelineVerified: false }));
    expect(refuse(deal, ev('REVISE_PROPOSAL', { reason: 'New timeline' }))).toEqual(['proposal_work_paused']);
    const reverified = accept(deal, ev('RECORD_VERIFICATION', { timelineVerified: true }));
    expect(accept(reverified, ev('REVISE_PROPOSAL', { reason: 'New timeline' })).stage).toBe('proposal');
  });

  it('[P1] summaries and the message are not drafted while proposal work is paused', () => {
    const deal = accept(dealAt('proposal'), ev('RECORD_VERIFICATION', { scopeVerified: false }));
    expect(refuse(deal, summary('audit_findings'))).toEqual(['proposal_work_paused']);
    expect(refuse(deal, ev('RECORD_PROPOSAL_MESSAGE'))).toEqual(['proposal_work_paused']);
  });
});

describe('AP1 four eyes over every author', () => {
  it.each([
    ['a section', (d: DealState) => accept(d, ev('RECORD_PROPOSAL_SECTION', { section: 'scope', actor: ops }))],
    ['a summary', (d: DealState) => accept(d, summary('revenue_proof', { actor: ops }))],
    ['the message', (d: DealState) => accept(d, ev('RECORD_PROPOSAL_MESSAGE', { actor: ops }))],
  ])('[AP1] an ops user who wrote %s cannot approve though a rep submitted; another ops user can', (_text, write) => {
    const deal = accept(proposalWrittenBy(write), ev('SUBMIT_FOR_APPROVAL'));
    expect(deal.context.proposal.submittedBy).toBe(rep.id);
    expect(refuse(deal, ev('APPROVE', { actor: ops }))).toEqual(['approver_not_author']);
    expect(refuse(deal, summaryApproval(deal, { actor: ops }))).toEqual(['approver_not_author']);
    const approved = accept(deal, ev('APPROVE', { actor: ops2 }));
    expect(approved.context.proposal.approvedBy).toBe(ops2.id);
    const both = accept(approved, summaryApproval(approved, { actor: ops2 }));
    expect(both.context.proposal.clientSafeSummaryApprovedBy).toBe(ops2.id);
    expect(accept(both, ev('SEND_PROPOSAL')).stage).toBe('sent');
  });

  it('[AP1] an admin who wrote text is an author too; an approval carries no text of its own', () => {
    const deal = accept(
      proposalWrittenBy((d) => accept(d, summary('launch_blockers', { actor: admin }))),
      ev('SUBMIT_FOR_APPROVAL'),
    );
    expect(refuse(deal, ev('APPROVE', { actor: admin }))).toEqual(['approver_not_author']);
    expect(accept(deal, ev('APPROVE', { actor: ops })).context.proposal.approvedBy).toBe(ops.id);
    // No attachment, and no text field, can ride on the approval event.
    expect(Object.keys(CLIENT_ATTACHMENTS)).not.toContain('APPROVE_CLIENT_SAFE_SUMMARY');
    const withText = applyEvent(deal, summaryApproval(deal, { body: 'Approved and rewritten' }));
    expect(withText).toMatchObject({ ok: false, code: 'invalid_event', issues: [{ path: 'body' }] });
  });
});

describe('K1 the client-safe summaries exist and the approval names them', () => {
  it('[K1] SUBMIT_FOR_APPROVAL names each missing summary draft', () => {
    let deal = dealAt('proposal');
    for (const s of PROPOSAL_SECTIONS) deal = accept(deal, section(s));
    expect(refuse(deal, ev('SUBMIT_FOR_APPROVAL'))).toEqual([...SUMMARY_DRAFT_GATES]);
    deal = accept(accept(deal, summary('audit_findings')), summary('provider_caveats'));
    expect(refuse(deal, ev('SUBMIT_FOR_APPROVAL'))).toEqual(['revenue_proof_summary', 'launch_blockers_summary']);
    expect(explain(deal).nextStageGates).toEqual(['revenue_proof_summary', 'launch_blockers_summary', 'next_action']);
    deal = accept(accept(deal, summary('revenue_proof')), summary('launch_blockers'));
    expect(accept(deal, ev('SUBMIT_FOR_APPROVAL')).stage).toBe('approval');
  });

  it('[K1] the approval names the current version and each drafted summary at its current revision', () => {
    // An edited summary (revision 2) before submission.
    const deal = accept(
      proposalWrittenBy((d) => accept(d, summary('revenue_proof'))),
      ev('SUBMIT_FOR_APPROVAL'),
    );
    const current = currentText(deal);
    expect(current).toEqual({
      proposalVersion: 1,
      summaries: { audit_findings: 1, revenue_proof: 2, provider_caveats: 1, launch_blockers: 1 },
    });
    const { launch_blockers: _missing, ...threeKinds } = current.summaries;
    const wrong: [string, Record<string, unknown>][] = [
      ['a stale revision', { summaries: { ...current.summaries, revenue_proof: 1 } }],
      ['a missing kind', { summaries: threeKinds }],
      ['a wrong version', { proposalVersion: 2 }],
      ['a message that was never drafted', { message: 1 }],
    ];
    for (const [what, change] of wrong) {
      expect([what, refuse(deal, summaryApproval(deal, change))]).toEqual([what, ['approves_current_text']]);
    }
    const approved = accept(deal, summaryApproval(deal));
    expect(approved.context.proposal).toMatchObject({ approvedSummaries: current.summaries, approvedMessage: null });
  });

  it('[K1] a kind that has no draft is an extra kind, refused (a stored state without one of the drafts)', () => {
    // Through the machine every kind is drafted before submission; the gate still holds for stored data.
    const base = dealAt('approval');
    const stored: DealState = {
      ...base,
      context: {
        ...base.context,
        proposal: {
          ...base.context.proposal,
          summaries: { ...base.context.proposal.summaries, launch_blockers: null },
        },
      },
    };
    const named = { proposalVersion: 1, summaries: Object.fromEntries(SUMMARY_KINDS.map((k) => [k, 1])) };
    expect(refuse(stored, ev('APPROVE_CLIENT_SAFE_SUMMARY', { actor: ops, ...named }))).toEqual([
      'approves_current_text',
    ]);
    expect(accept(stored, summaryApproval(stored)).context.proposal.approvedSummaries).toEqual({
      audit_findings: 1,
      revenue_proof: 1,
      provider_caveats: 1,
    });
  });

  it('[K1] the outgoing message is part of what is approved, at its current revision', () => {
    const deal = accept(
      proposalWrittenBy((d) => accept(accept(d, ev('RECORD_PROPOSAL_MESSAGE')), ev('RECORD_PROPOSAL_MESSAGE'))),
      ev('SUBMIT_FOR_APPROVAL'),
    );
    expect(currentText(deal).message).toBe(2);
    const { message: _m, ...withoutMessage } = currentText(deal);
    expect(refuse(deal, ev('APPROVE_CLIENT_SAFE_SUMMARY', { actor: ops, ...withoutMessage }))).toEqual([
      'approves_current_text',
    ]);
    expect(refuse(deal, summaryApproval(deal, { message: 1 }))).toEqual(['approves_current_text']);
    expect(accept(deal, summaryApproval(deal)).context.proposal.approvedMessage).toBe(2);
  });

  it('[K1] after REJECT and an edit of a summary the earlier approval no longer counts', () => {
    const approved = approvedDeal();
    const earlier = currentText(approved);
    let deal = accept(approved, ev('REJECT', { actor: ops, reason: 'Revenue proof overstated' }));
    expect(deal.context.proposal).toMatchObject({ clientSafeSummaryApprovedBy: null, approvedSummaries: null });
    deal = accept(deal, summary('revenue_proof'));
    deal = accept(deal, ev('SUBMIT_FOR_APPROVAL'));
    deal = accept(deal, ev('APPROVE', { actor: ops }));
    expect(refuse(deal, ev('SEND_PROPOSAL'))).toEqual(['client_safe_summary']);
    expect(refuse(deal, ev('APPROVE_CLIENT_SAFE_SUMMARY', { actor: ops, ...earlier }))).toEqual([
      'approves_current_text',
    ]);
    deal = accept(deal, summaryApproval(deal));
    expect(deal.context.proposal.approvedSummaries).toMatchObject({ revenue_proof: 2 });
    expect(accept(deal, ev('SEND_PROPOSAL')).stage).toBe('sent');
  });
});

describe('Q1 facts with one home, confirmed again after a loss', () => {
  it('[Q1] RECORD_QUALIFICATION with facts.source makes it the deal source; without one the source stays', () => {
    const deal = newDeal();
    expect(deal.context.source).toBe('referral');
    const confirmed = accept(deal, ev('RECORD_QUALIFICATION', { facts: { source: 'Referral from Northwind' } }));
    expect(confirmed.context.source).toBe('Referral from Northwind');
    expect(confirmed.context.qualification.source).toBe('Referral from Northwind');
    const later = accept(confirmed, ev('RECORD_QUALIFICATION', { facts: { urgency: 'Before Q3' } }));
    expect(later.context.source).toBe('Referral from Northwind');
    const unsourced = createDeal({ opportunityId: 'opp-2', ownerId: 'rep-1', at: at(0) });
    expect(accept(unsourced, ev('RECORD_QUALIFICATION', { facts: { source: 'Web form' } })).context.source).toBe(
      'Web form',
    );
  });

  it('[Q1] after MARK_LOST and REACTIVATE, QUALIFY names all six facts; the old ones are kept in the loss', () => {
    let deal = accept(accept(dealAt('discovery'), lostEvent()), ev('REACTIVATE'));
    expect(refuse(deal, ev('QUALIFY'))).toEqual([...QUALIFICATION_FACTS]);
    expect(explain(deal).nextStageGates).toEqual([...QUALIFICATION_FACTS, 'next_action']);
    expect(deal.context.lostHistory.at(-1)?.qualificationBeforeReactivation).toEqual(allFacts(QUALIFICATION_FACTS));
    deal = accept(deal, ev('RECORD_QUALIFICATION', { facts: { source: 'Win-back call' } }));
    expect(refuse(deal, ev('QUALIFY'))).toEqual(QUALIFICATION_FACTS.filter((f) => f !== 'source'));
    deal = accept(accept(deal, qualificationFacts()), ev('QUALIFY'));
    // A second loss and reactivation keeps each loss's own facts.
    deal = accept(accept(deal, lostEvent({ reason: 'timing', detail: undefined })), ev('REACTIVATE'));
    expect(deal.context.lostHistory).toHaveLength(2);
    expect(deal.context.lostHistory.at(-1)?.qualificationBeforeReactivation).toEqual(allFacts(QUALIFICATION_FACTS));
    expect(refuse(deal, ev('QUALIFY'))).toEqual([...QUALIFICATION_FACTS]);
  });
});

describe('E1 a loss has a next step', () => {
  it('[E1] MARK_LOST leaves the win-back as the next action: due when the window opens, owned by the deal owner', () => {
    for (const stage of OPEN_STAGES) {
      const start = stage === 'lead' ? newDeal() : dealAt(stage);
      const owned = { ...start, context: { ...start.context, ownerId: 'rep-7' } };
      const lost = accept(owned, lostEvent({ reactivateAt: at(120_000) }));
      expect([stage, lost.context.nextAction]).toEqual([
        stage,
        { description: 'Win back', dueAt: at(120_000), ownerId: 'rep-7' },
      ]);
    }
    // A next action the event brings is kept instead.
    const given = ev('MARK_LOST', { reason: 'timing', reactivateAt: at(120_000) });
    expect(accept(dealAt('qualified'), given).context.nextAction).toEqual(given.nextAction);
  });
});

describe('GC1 refusals and explanations name every gate', () => {
  it("[GC1][E1] a fresh lead's next-stage gates include next_action", () => {
    expect(explain(newDeal()).nextStageGates).toContain('next_action');
  });

  it('[GC1][A1] a scope section recorded in audit without evidence names stage, audit_evidence and the pause', () => {
    const audit = dealAt('audit');
    expect(audit.context.auditEvidence).toEqual([]);
    const gates = refuse(audit, section('scope'));
    expect(gates[0]).toBe('stage');
    expect([...gates].sort()).toEqual(['audit_evidence', 'proposal_work_paused', 'stage']);
    // With evidence and verification, only the stage is left.
    expect(refuse(accept(accept(audit, evidence()), verified()), section('scope'))).toEqual(['stage']);
  });

  it('[GC1] allowedEvents never lists an indirect event, in any state along the happy path', () => {
    const states = [newDeal()];
    for (const [, events] of HAPPY_PATH) for (const e of events()) states.push(accept(states[states.length - 1], e));
    states.push(dealAt('lost'));
    expect([...new Set(states.map((s) => s.stage))].sort()).toEqual([...STAGES].sort());
    const listed = states.flatMap((state) => {
      const e = explain(state);
      const named = [...e.allowedEvents, ...Object.keys(e.refusedEvents)];
      return INDIRECT_EVENTS.filter((type) => named.includes(type)).map((type) => `${type} in ${state.stage}`);
    });
    expect(listed).toEqual([]);
  });
});

describe('pausesHoldingUp: what the stuck list and the Temporal UI call paused', () => {
  it('a lead gathering consent and a lost deal are not held up; a paused qualified deal and a paused audit are', () => {
    expect(pausesHoldingUp('lead', newDeal().context)).toEqual({ followUp: false, proposalWork: false });

    const withdrawn = accept(dealAt('qualified'), ev('RECORD_CONSENT', { consent: 'withdrawn' }));
    expect(pausesHoldingUp(withdrawn.stage, withdrawn.context)).toEqual({ followUp: true, proposalWork: false });
    const lost = accept(withdrawn, lostEvent());
    expect(explain(lost).pauses.followUp.paused).toBe(true);
    expect(pausesHoldingUp(lost.stage, lost.context)).toEqual({ followUp: false, proposalWork: false });

    const discovery = dealAt('discovery');
    expect(discovery.context.auditEvidence).toEqual([]);
    expect(explain(discovery).pauses.proposalWork.paused).toBe(true);
    expect(pausesHoldingUp(discovery.stage, discovery.context)).toEqual({ followUp: false, proposalWork: false });

    const audit = dealAt('audit');
    expect(pausesHoldingUp(audit.stage, audit.context)).toEqual({ followUp: false, proposalWork: true });
    const won = dealAt('won');
    const paused = accept(won, bare('RECORD_CONSENT', { consent: 'withdrawn' }));
    expect(pausesHoldingUp(paused.stage, paused.context)).toEqual({ followUp: false, proposalWork: false });
    const sent = accept(dealAt('sent'), ev('RECORD_VERIFICATION', { scopeVerified: false }));
    expect(pausesHoldingUp(sent.stage, sent.context)).toEqual({ followUp: false, proposalWork: true });
  });
});
