import { z } from 'zod';
import type { Db } from '../../db/client';
import { getContract, getCurrentProposal, getProposalDetail, listClientSafeSummaries } from '../../db/queries/proposals';
import { deliveryRecords, listApprovals, listAuditEvidence, listDiscoveryNotes, listProposals } from '../../db/queries/records';
import type { OpportunityRow } from '../../db/schema';
import type { AppDeps } from '../app';
import { opportunityFor } from '../access';
import { notFound } from '../errors';
import { dealStateOf } from '../resources/opportunity';
import { outputResource, type OutputSources } from '../resources/outputs';
import { approvalStateResource, contractResource, proposalResource, proposalVersionResource, summaryResource } from '../resources/records';
import { apiRouter } from '../route-kit';
import { listBody, renderRows } from './pagination';
import { idParams, skippedRowSchema } from '../schemas/common';
import {
  approvalStateSchema,
  contractSchema,
  OUTPUTS,
  outputListSchema,
  outputParams,
  outputSchema,
  proposalSchema,
  proposalVersionSchema,
  summarySchema,
} from '../schemas/records';

const INTERNAL = ['admin', 'ops', 'rep'] as const;

/** A whole list of a deal's records; like a page, a row that cannot be shown is named in `skipped`. */
const listOf = (item: z.ZodType) => z.object({ items: z.array(item), skipped: z.array(skippedRowSchema).optional() });

async function outputSources(db: Db, opportunity: OpportunityRow): Promise<OutputSources> {
  const proposal = await getCurrentProposal(db, opportunity.id);
  const [notes, evidence, detail, approvals, contract, delivery] = await Promise.all([
    listDiscoveryNotes(db, opportunity.id),
    listAuditEvidence(db, opportunity.id),
    proposal ? getProposalDetail(db, proposal.id) : null,
    listApprovals(db, opportunity.id),
    getContract(db, opportunity.id),
    deliveryRecords(db, opportunity.id),
  ]);
  return { opportunity, notes, evidence, proposal, sectionKinds: detail?.sections.map((s) => s.section) ?? [], approvals, contract, checklist: delivery.checklist };
}

/** A deal's records: proposal, versions, approvals, contract, client-safe summaries and the eight outputs. */
export function recordRoutes({ db, logger }: AppDeps) {
  const { router, add } = apiRouter('/v1', db);

  /** A read of one deal's record: the caller must be allowed to act on the deal (404 otherwise). */
  const read = (
    path: string,
    doc: { summary: string; description?: string; tags: string[]; schema: z.ZodType },
    build: (opportunity: OpportunityRow) => Promise<unknown>,
  ) =>
    add(
      { method: 'get', path, roles: INTERNAL, params: idParams, errors: [404], ...doc, success: { status: 200, description: doc.summary, schema: doc.schema } },
      async ({ principal, params }) => ({ body: await build(await opportunityFor(db, principal, params.id)) }),
    );

  read(
    '/opportunities/:id/proposal',
    {
      summary: 'The current proposal: sections, line items, approvals, attached records and tracking',
      description:
        'S1: sections are separate and pricing lives in line items. S2: `records` links the lead, client, service, project, approval and communication. ' +
        'T1: sent, viewed, follow-up, objection, probability and decision deadline.',
      tags: ['Proposals'],
      schema: proposalSchema,
    },
    async (opportunity) => {
      const current = await getCurrentProposal(db, opportunity.id);
      const detail = current ? await getProposalDetail(db, current.id) : null;
      if (!detail) throw notFound('The proposal');
      const { project, clientService } = await deliveryRecords(db, opportunity.id);
      return proposalResource({ opportunity, ...detail, project, clientService });
    },
  );

  read(
    '/opportunities/:id/proposals',
    { summary: 'Every version of the proposal, newest first (R1)', tags: ['Proposals'], schema: listOf(proposalVersionSchema) },
    async (opportunity) => listBody(renderRows(await listProposals(db, opportunity.id), proposalVersionResource, { logger, kind: 'proposal' })),
  );

  read(
    '/opportunities/:id/approvals',
    { summary: 'Approval state of the proposal and its client-safe summary (AP1)', tags: ['Approvals'], schema: approvalStateSchema },
    async (opportunity) => approvalStateResource(dealStateOf(opportunity), await listApprovals(db, opportunity.id)),
  );

  read(
    '/opportunities/:id/contract',
    { summary: 'Contract and payment state, kickoff, onboarding owner, launch blockers (W2)', tags: ['Contracts'], schema: contractSchema },
    async (opportunity) => contractResource(dealStateOf(opportunity), await getContract(db, opportunity.id)),
  );

  read(
    '/opportunities/:id/client-safe-summaries',
    { summary: 'The client-safe summaries of a deal and whether each is approved (K1)', tags: ['Approvals'], schema: listOf(summarySchema) },
    async (opportunity) => listBody(renderRows(await listClientSafeSummaries(db, opportunity.id), summaryResource, { logger, kind: 'client-safe summary' })),
  );

  read(
    '/opportunities/:id/outputs',
    { summary: 'All eight outputs of the deal (OUT1)', tags: ['Outputs'], schema: outputListSchema },
    async (opportunity) => {
      const sources = await outputSources(db, opportunity);
      return { items: OUTPUTS.map((name) => outputResource(name, sources)) };
    },
  );

  add(
    {
      method: 'get',
      path: '/opportunities/:id/outputs/:output',
      summary: 'One output: qualified opportunity, discovery notes, audit proof, proposal draft, approval state, contract handoff, onboarding checklist, won or lost reason',
      tags: ['Outputs'],
      roles: INTERNAL,
      params: outputParams,
      errors: [404],
      success: { status: 200, description: 'The output', schema: outputSchema },
    },
    async ({ principal, params }) => {
      const sources = await outputSources(db, await opportunityFor(db, principal, params.id));
      return { body: outputResource(params.output, sources) };
    },
  );

  return router;
}
