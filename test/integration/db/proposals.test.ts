import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { closeDb, type Db } from '../../../db/client';
import { ensureClient, ensureProject } from '../../../db/queries/handoff';
import { recordApproval } from '../../../db/queries/approvals';
import { listClientSafeSummaries, upsertClientSafeSummary } from '../../../db/queries/client-safe-summaries';
import { getContract, upsertContract } from '../../../db/queries/contracts';
import { addLineItems, replaceLineItems, upsertProposalSection } from '../../../db/queries/proposal-content';
import { getProposalDetail } from '../../../db/queries/proposal-detail';
import {
  attachProposalRecords,
  ensureCurrentProposal,
  getCurrentProposal,
  recordProposalFollowUp,
  recordProposalSent,
  recordProposalTracking,
  recordProposalView,
  reviseSentProposal,
  submitProposal,
} from '../../../db/queries/proposals';
import { approvals, communications, incomingLogs, services } from '../../../db/schema';
import { testDb } from '../../support/db';
import { newOpportunity, pgError, uniqueKey } from './fixtures';

let db: Db;
beforeAll(() => {
  db = testDb();
});
afterAll(() => closeDb(db));

async function draftProposal() {
  const deal = await newOpportunity(db);
  const proposal = await ensureCurrentProposal(db, { opportunityId: deal.id, createdBy: 'rep-1' });
  return { deal, proposal };
}

async function sentProposal() {
  const { deal, proposal } = await draftProposal();
  await upsertProposalSection(db, {
    proposalId: proposal.id,
    section: 'scope',
    body: 'Rebuild the lead form',
    visibility: 'client_safe',
  });
  await addLineItems(db, proposal.id, [{ description: 'Setup', unitPriceCents: 150_000, visibility: 'client_safe' }]);
  await submitProposal(db, { proposalId: proposal.id, submittedBy: 'rep-1' });
  await recordApproval(db, {
    key: uniqueKey('approval'),
    proposalId: proposal.id,
    kind: 'proposal',
    decision: 'approved',
    approvedBy: 'ops-1',
  });
  const linkTokenHash = randomUUID().replace(/-/g, '');
  await recordProposalSent(db, { proposalId: proposal.id, linkTokenHash, sentAt: new Date('2026-11-25T10:00:00Z') });
  return { deal, proposal, linkTokenHash };
}

describe('proposals', () => {
  it('[S1] keeps each section kind in one row, pricing in line items', async () => {
    const { proposal } = await draftProposal();
    for (const section of ['scope', 'exclusions', 'assumptions', 'integrations', 'timeline', 'pricing'] as const) {
      await upsertProposalSection(db, {
        proposalId: proposal.id,
        section,
        body: `${section} v1`,
        visibility: 'internal',
      });
    }
    await upsertProposalSection(db, {
      proposalId: proposal.id,
      section: 'scope',
      body: 'scope v2',
      visibility: 'client_safe',
    });
    await addLineItems(db, proposal.id, [
      { description: 'Audit', unitPriceCents: 90_000 },
      { description: 'Monthly reporting', quantity: 3, unitPriceCents: 40_000 },
    ]);
    const detail = await getProposalDetail(db, proposal.id);
    expect(detail?.sections).toHaveLength(6);
    expect(detail?.sections.find((s) => s.section === 'scope')).toMatchObject({
      body: 'scope v2',
      visibility: 'client_safe',
    });
    expect(detail?.lineItems.map((i) => [i.position, i.description, i.quantity, i.unitPriceCents])).toEqual([
      [0, 'Audit', 1, 90_000],
      [1, 'Monthly reporting', 3, 40_000],
    ]);
    await replaceLineItems(db, proposal.id, [{ description: 'Audit', unitPriceCents: 95_000 }]);
    expect((await getProposalDetail(db, proposal.id))?.lineItems.map((i) => i.unitPriceCents)).toEqual([95_000]);
  });

  it('[S2] attaches a proposal to its client, service, project, approval and communication records', async () => {
    const { deal, proposal } = await draftProposal();
    const client = await ensureClient(db, { key: uniqueKey('client'), opportunityId: deal.id, name: 'Acme' });
    const project = await ensureProject(db, {
      key: uniqueKey('project'),
      opportunityId: deal.id,
      clientId: client.id,
      name: 'Acme',
      onboardingOwner: 'ops-1',
      scope: 'Audit and routing',
      lineItems: [],
    });
    const [service] = await db
      .insert(services)
      .values({ code: uniqueKey('svc'), name: 'Lead flow' })
      .returning();
    const [message] = await db
      .insert(communications)
      .values({
        opportunityId: deal.id,
        channel: 'email',
        direction: 'outbound',
        body: 'Proposal attached',
        occurredAt: new Date(),
        createdBy: 'rep-1',
      })
      .returning();
    const approval = await recordApproval(db, {
      key: uniqueKey('approval'),
      proposalId: proposal.id,
      kind: 'proposal',
      decision: 'approved',
      approvedBy: 'ops-1',
    });
    const links = { clientId: client.id, serviceId: service.id, projectId: project.id, communicationId: message.id };
    expect(await attachProposalRecords(db, proposal.id, links)).toMatchObject({ ...links, approvalId: approval.id });
    expect((await pgError(attachProposalRecords(db, proposal.id, { clientId: randomUUID() }))).code).toBe('23503');
  });

  it('[AP1] an approval stamps client-safe text with who, when and which version; a retry records it once', async () => {
    const { proposal } = await draftProposal();
    await upsertProposalSection(db, {
      proposalId: proposal.id,
      section: 'scope',
      body: 'Client scope',
      visibility: 'client_safe',
    });
    await upsertProposalSection(db, {
      proposalId: proposal.id,
      section: 'assumptions',
      body: 'Internal pricing assumption',
      visibility: 'internal',
    });
    await submitProposal(db, { proposalId: proposal.id, submittedBy: 'rep-1' });
    const decision = {
      key: uniqueKey('approval'),
      proposalId: proposal.id,
      kind: 'proposal' as const,
      decision: 'approved' as const,
      approvedBy: 'ops-1',
    };
    const first = await recordApproval(db, decision);
    expect(await recordApproval(db, decision)).toEqual(first);
    expect(await db.select().from(approvals).where(eq(approvals.proposalId, proposal.id))).toHaveLength(1);
    const detail = (await getProposalDetail(db, proposal.id))!;
    expect(detail.proposal).toMatchObject({ status: 'approved', approvalId: first.id, submittedBy: 'rep-1' });
    expect(detail.sections.find((s) => s.section === 'scope')).toMatchObject({
      approvedBy: 'ops-1',
      approvedVersion: 1,
    });
    expect(detail.sections.find((s) => s.section === 'assumptions')).toMatchObject({
      approvedBy: null,
      approvedVersion: null,
    });
  });

  it('[AP1] a rejected proposal goes back to draft', async () => {
    const { proposal } = await draftProposal();
    await submitProposal(db, { proposalId: proposal.id, submittedBy: 'rep-1' });
    await recordApproval(db, {
      key: uniqueKey('approval'),
      proposalId: proposal.id,
      kind: 'proposal',
      decision: 'rejected',
      approvedBy: 'ops-1',
      note: 'Scope too vague',
    });
    expect((await getCurrentProposal(db, proposal.opportunityId))?.status).toBe('draft');
  });

  it('[K1] editing an approved section clears its approval; writing the same text again does not', async () => {
    const { proposal } = await sentProposal();
    await upsertProposalSection(db, {
      proposalId: proposal.id,
      section: 'scope',
      body: 'Rebuild the lead form',
      visibility: 'client_safe',
    });
    expect((await getProposalDetail(db, proposal.id))?.sections[0].approvedBy).toBe('ops-1');
    await upsertProposalSection(db, {
      proposalId: proposal.id,
      section: 'scope',
      body: 'Rebuild the lead form and CRM',
      visibility: 'client_safe',
    });
    expect((await getProposalDetail(db, proposal.id))?.sections[0]).toMatchObject({
      approvedBy: null,
      approvedAt: null,
      approvedVersion: null,
    });
  });

  it('[T1] records sent, viewed, follow-up, objection, probability and decision deadline', async () => {
    const { proposal, linkTokenHash } = await sentProposal();
    const first = await recordProposalView(db, { linkTokenHash, viewedAt: new Date('2026-11-26T08:00:00Z') });
    const second = await recordProposalView(db, { linkTokenHash, viewedAt: new Date('2026-11-27T08:00:00Z') });
    expect(first?.id).toBe(proposal.id);
    expect(second).toMatchObject({
      firstViewedAt: new Date('2026-11-26T08:00:00Z'),
      lastViewedAt: new Date('2026-11-27T08:00:00Z'),
      viewCount: 2,
    });
    expect(
      await db.select().from(incomingLogs).where(eq(incomingLogs.opportunityId, proposal.opportunityId)),
    ).toHaveLength(2);
    const tracking = {
      objection: 'Price too high',
      probability: 40,
      decisionDeadline: new Date('2026-12-15T00:00:00Z'),
    };
    await recordProposalTracking(db, proposal.id, tracking);
    expect(
      await recordProposalFollowUp(db, {
        opportunityId: proposal.opportunityId,
        followUpAt: new Date('2026-11-29T09:00:00Z'),
      }),
    ).toBe(true);
    expect(await getCurrentProposal(db, proposal.opportunityId)).toMatchObject({
      ...tracking,
      status: 'sent',
      sentAt: new Date('2026-11-25T10:00:00Z'),
      followUpAt: new Date('2026-11-29T09:00:00Z'),
    });
    expect((await pgError(recordProposalTracking(db, proposal.id, { probability: 140 }))).code).toBe('23514');
  });

  it('[T1] a view through an unknown link records nothing', async () => {
    expect(await recordProposalView(db, { linkTokenHash: 'no-such-link', viewedAt: new Date() })).toBeNull();
  });

  it('[R1] revising a sent proposal makes a new unapproved version and stops the old link', async () => {
    const { proposal, linkTokenHash } = await sentProposal();
    const next = await reviseSentProposal(db, { proposalId: proposal.id, createdBy: 'rep-1' });
    expect(await reviseSentProposal(db, { proposalId: proposal.id, createdBy: 'rep-1' })).toEqual(next);
    expect(next).toMatchObject({
      version: 2,
      status: 'draft',
      linkTokenHash: null,
      opportunityId: proposal.opportunityId,
    });
    expect(await getCurrentProposal(db, proposal.opportunityId)).toMatchObject({ id: next.id });
    const old = (await getProposalDetail(db, proposal.id))!.proposal;
    expect(old.status).toBe('superseded');
    expect(old.linkRevokedAt).not.toBeNull();
    expect(await recordProposalView(db, { linkTokenHash, viewedAt: new Date() })).toBeNull();
    const copied = (await getProposalDetail(db, next.id))!;
    expect(copied.sections).toEqual([
      expect.objectContaining({
        section: 'scope',
        body: 'Rebuild the lead form',
        approvedBy: null,
        approvedVersion: null,
      }),
    ]);
    expect(copied.lineItems).toEqual([expect.objectContaining({ description: 'Setup', approvedBy: null })]);
  });

  it('[W2] records contract state, payment state, kickoff date, onboarding owner and launch blockers', async () => {
    const deal = await newOpportunity(db);
    expect(await getContract(db, deal.id)).toBeNull();
    await upsertContract(db, { opportunityId: deal.id, contractState: 'sent' });
    await upsertContract(db, {
      opportunityId: deal.id,
      contractState: 'signed',
      paymentState: 'deposit_paid',
      kickoffDate: '2026-12-07',
    });
    const contract = await upsertContract(db, {
      opportunityId: deal.id,
      onboardingOwner: 'ops-1',
      launchBlockers: ['DNS access'],
    });
    expect(contract).toMatchObject({
      contractState: 'signed',
      paymentState: 'deposit_paid',
      kickoffDate: '2026-12-07',
      onboardingOwner: 'ops-1',
      launchBlockers: ['DNS access'],
    });
  });

  it('[K1] a summary gets a new version when its text changes, not when written again', async () => {
    const deal = await newOpportunity(db);
    const input = {
      opportunityId: deal.id,
      kind: 'audit_findings' as const,
      body: 'Leads wait 2 days',
      visibility: 'client_safe' as const,
    };
    expect((await upsertClientSafeSummary(db, input)).version).toBe(1);
    expect((await upsertClientSafeSummary(db, input)).version).toBe(1);
    expect((await upsertClientSafeSummary(db, { ...input, body: 'Leads wait 3 days' })).version).toBe(2);
    expect(await listClientSafeSummaries(db, deal.id)).toEqual([
      expect.objectContaining({ body: 'Leads wait 3 days', version: 2 }),
    ]);
  });
});
