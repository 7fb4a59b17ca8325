import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { closeDb, type Db } from '../../../db/client';
import { ensureClient } from '../../../db/queries/handoff';
import { portalClientView, portalProposalByLinkToken, type PortalText } from '../../../db/queries/portal';
import { recordApproval } from '../../../db/queries/approvals';
import { upsertClientSafeSummary } from '../../../db/queries/client-safe-summaries';
import { addLineItems, upsertProposalSection } from '../../../db/queries/proposal-content';
import {
  ensureCurrentProposal,
  recordProposalSent,
  reviseSentProposal,
  submitProposal,
} from '../../../db/queries/proposals';
import {
  PROPOSAL_SECTION_KINDS,
  SUMMARY_KINDS,
  type SummaryKind,
  type Visibility,
} from '../../../machines/opportunity/vocabulary';
import { testDb } from '../../support/db';
import { propertyRuns } from '../../support/kit';
import { newOpportunity, uniqueKey } from './fixtures';

let db: Db;
beforeAll(() => {
  db = testDb();
});
afterAll(() => closeDb(db));

/* A random deal: summaries and a proposal whose texts are client-safe or internal, approved
 * for the current version, for an earlier one, or not at all; a summary that existed when the
 * approval was given but that the approval does not name is not approved (K1). */

const text = fc.string({ minLength: 1, maxLength: 60 });
const visibility = fc.constantFrom<Visibility>('internal', 'client_safe');
const summaryApproval = fc.constantFrom('current', 'stale', 'unnamed', 'none');

const scenario = fc.record({
  summaries: fc.uniqueArray(
    fc.record({ kind: fc.constantFrom(...SUMMARY_KINDS), body: text, visibility, approval: summaryApproval }),
    {
      selector: (s) => s.kind,
      maxLength: SUMMARY_KINDS.length,
    },
  ),
  sections: fc.uniqueArray(
    fc.record({
      section: fc.constantFrom(...PROPOSAL_SECTION_KINDS),
      body: text,
      visibility,
      editedAfterApproval: fc.boolean(),
    }),
    {
      selector: (s) => s.section,
      maxLength: 4,
    },
  ),
  lineItems: fc.array(fc.record({ description: text, visibility, unitPriceCents: fc.nat(1_000_000) }), {
    maxLength: 3,
  }),
  proposalApproved: fc.boolean(),
  proposal: fc.constantFrom('draft', 'sent', 'revised'),
});
type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

interface Written {
  clientId: string;
  linkTokenHash: string;
  /** ids of the rows a client may see, and every text written (internal or not yet approved). */
  visibleIds: Set<string>;
  hidden: Map<string, string>;
}

/** Random text made unique, so a leaked text is recognisable inside any returned text. */
let serial = 0;
const tagged = (body: string): string => `${body} [t${++serial}]`;

async function writeSummaries(opportunityId: string, s: Scenario, w: Written): Promise<void> {
  const summaries = s.summaries.map((x) => ({ ...x, body: tagged(x.body) }));
  const before = summaries.filter((x) => x.approval !== 'none');
  for (const x of before)
    await upsertClientSafeSummary(db, { opportunityId, kind: x.kind, body: x.body, visibility: x.visibility });
  const named = before.filter((x) => x.approval !== 'unnamed').map((x) => x.kind);
  if (before.length) await approveSummaries(opportunityId, named);
  for (const x of summaries) {
    const body = x.approval === 'stale' ? tagged(x.body) : x.body;
    const row = await upsertClientSafeSummary(db, { opportunityId, kind: x.kind, body, visibility: x.visibility });
    if (x.approval === 'current' && x.visibility === 'client_safe') w.visibleIds.add(row.id);
    else w.hidden.set(row.id, row.body);
  }
}

/** A client-safe approval that names `kinds` (AP1): it stamps those summaries and no other. */
async function approveSummaries(opportunityId: string, kinds: SummaryKind[]): Promise<void> {
  const proposal = await ensureCurrentProposal(db, { opportunityId, createdBy: 'rep-1' });
  await recordApproval(db, {
    key: uniqueKey('approval'),
    proposalId: proposal.id,
    kind: 'client_safe_summary',
    decision: 'approved',
    approvedBy: 'ops-1',
    summaryKinds: kinds,
  });
}

async function writeProposal(opportunityId: string, s: Scenario, w: Written): Promise<void> {
  const proposal = await ensureCurrentProposal(db, { opportunityId, createdBy: 'rep-1' });
  const sections = [];
  for (const x of s.sections)
    sections.push(
      await upsertProposalSection(db, {
        proposalId: proposal.id,
        section: x.section,
        body: tagged(x.body),
        visibility: x.visibility,
      }),
    );
  const items = await addLineItems(
    db,
    proposal.id,
    s.lineItems.map((x) => ({ ...x, description: tagged(x.description) })),
  );
  await submitProposal(db, { proposalId: proposal.id, submittedBy: 'rep-1' });
  if (s.proposalApproved)
    await recordApproval(db, {
      key: uniqueKey('approval'),
      proposalId: proposal.id,
      kind: 'proposal',
      decision: 'approved',
      approvedBy: 'ops-1',
    });
  const edited = new Set<string>();
  for (const [i, x] of s.sections.entries()) {
    if (!x.editedAfterApproval) continue;
    await upsertProposalSection(db, {
      proposalId: proposal.id,
      section: x.section,
      body: tagged(x.body),
      visibility: x.visibility,
    });
    edited.add(sections[i].id);
  }
  if (s.proposal !== 'draft')
    await recordProposalSent(db, { proposalId: proposal.id, linkTokenHash: w.linkTokenHash, sentAt: new Date() });
  if (s.proposal === 'revised') await reviseSentProposal(db, { proposalId: proposal.id, createdBy: 'rep-1' });
  const live = s.proposal === 'sent' && s.proposalApproved;
  for (const row of [...sections, ...items]) {
    const approved = live && row.visibility === 'client_safe' && !edited.has(row.id);
    if (approved) w.visibleIds.add(row.id);
    else w.hidden.set(row.id, 'body' in row ? row.body : row.description);
  }
}

async function writeScenario(s: Scenario): Promise<Written> {
  const deal = await newOpportunity(db);
  const client = await ensureClient(db, { key: uniqueKey('client'), opportunityId: deal.id, name: deal.company });
  const w: Written = { clientId: client.id, linkTokenHash: randomUUID(), visibleIds: new Set(), hidden: new Map() };
  await writeSummaries(deal.id, s, w);
  await writeProposal(deal.id, s, w);
  return w;
}

function expectOnlyVisible(texts: PortalText[], w: Written): void {
  expect(new Set(texts.map((t) => t.sourceId))).toEqual(w.visibleIds);
  for (const [id, body] of w.hidden) {
    expect(texts.map((t) => t.sourceId)).not.toContain(id);
    expect(texts.filter((t) => t.body.includes(body))).toEqual([]);
  }
}

describe('portal-safe reads', () => {
  it('[K1] the portal view of a client never returns internal or unapproved text (property)', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const w = await writeScenario(s);
        expectOnlyVisible(await portalClientView(db, w.clientId), w);
      }),
      { numRuns: propertyRuns(30) },
    );
  });

  it('[K1] a proposal link shows only approved client-safe text of its live version (property)', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const w = await writeScenario(s);
        const page = await portalProposalByLinkToken(db, w.linkTokenHash);
        if (s.proposal !== 'sent') return expect(page).toBeNull();
        expect(page).not.toBeNull();
        expect(page!.proposal).not.toHaveProperty('linkTokenHash');
        expectOnlyVisible(page!.texts, w);
      }),
      { numRuns: propertyRuns(30) },
    );
  });

  it('[R1] an old proposal link stops working after a revision', async () => {
    const w = await writeScenario({
      summaries: [],
      sections: [],
      lineItems: [],
      proposalApproved: true,
      proposal: 'revised',
    });
    expect(await portalProposalByLinkToken(db, w.linkTokenHash)).toBeNull();
  });
});
