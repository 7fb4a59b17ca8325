import { z } from 'zod';
import type { Db } from '../../db/client';
import { listApprovals } from '../../db/queries/approvals';
import { listClientSafeSummaries } from '../../db/queries/client-safe-summaries';
import { getContract } from '../../db/queries/contracts';
import { getProposalDetail } from '../../db/queries/proposal-detail';
import { getCurrentProposal, listProposals } from '../../db/queries/proposals';
import { deliveryRecords, listAuditEvidence, listDiscoveryNotes } from '../../db/queries/records';
import type { OpportunityRow } from '../../db/schema';
import type { AppDeps } from '../app';
import { opportunityFor } from '../access';
import { notFound } from '../errors';
import { dealStateOf } from '../resources/opportunity';
import { outputResource, type OutputSources } from '../resources/outputs';
import {
  approvalStateResource,
  contractResource,
  proposalResource,
  proposalVersionResource,
  summaryResource,
} from '../resources/records';
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
  return {
    opportunity,
    notes,
    evidence,
    proposal,
    sectionKinds: detail?.sections.map((s) => s.section) ?? [],
    approvals,
    contract,
    checklist: delivery.checklist,
  };
}

type AddRoute = ReturnType<typeof apiRouter>['add'];
interface ReadDoc {
  summary: string;
  description?: string;
  tags: string[];
  schema: z.ZodType;
}
/** Mounts a read of one deal's record. */
type ReadRoute = (path: string, doc: ReadDoc, build: (opportunity: OpportunityRow) => Promise<unknown>) => void;

/** A read of one deal's record: the caller must be allowed to act on the deal (404 otherwise). */
function dealReader(db: Db, add: AddRoute): ReadRoute {
  return (path, doc, build) =>
    add(
      {
        method: 'get',
        path,
        roles: INTERNAL,
        params: idParams,
        errors: [404],
        ...doc,
        success: { status: 200, description: doc.summary, schema: doc.schema },
      },
      async ({ principal, params }) => ({ body: await build(await opportunityFor(db, principal, params.id)) }),
    );
}

/** S1, S2, T1, R1: the current proposal and every version. */
function proposalReads({ db, logger }: AppDeps, read: ReadRoute): void {
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
    {
      summary: 'Every version of the proposal, newest first (R1)',
      tags: ['Proposals'],
      schema: listOf(proposalVersionSchema),
    },
    async (opportunity) =>
      listBody(
        renderRows(await listProposals(db, opportunity.id), proposalVersionResource, { logger, kind: 'proposal' }),
      ),
  );
}

/** AP1, W2, K1: approvals, the contract and the client-safe summaries. */
function approvalAndContractReads({ db, logger }: AppDeps, read: ReadRoute): void {
  read(
    '/opportunities/:id/approvals',
    {
      summary: 'Approval state of the proposal and its client-safe summary (AP1)',
      tags: ['Approvals'],
      schema: approvalStateSchema,
    },
    async (opportunity) => approvalStateResource(dealStateOf(opportunity), await listApprovals(db, opportunity.id)),
  );

  read(
    '/opportunities/:id/contract',
    {
      summary: 'Contract and payment state, kickoff, onboarding owner, launch blockers (W2)',
      tags: ['Contracts'],
      schema: contractSchema,
    },
    async (opportunity) => contractResource(dealStateOf(opportunity), await getContract(db, opportunity.id)),
  );

  read(
    '/opportunities/:id/client-safe-summaries',
    {
      summary: 'The client-safe summaries of a deal and whether each is approved (K1)',
      tags: ['Approvals'],
      schema: listOf(summarySchema),
    },
    async (opportunity) =>
      listBody(
        renderRows(await listClientSafeSummaries(db, opportunity.id), summaryResource, {
          logger,
          kind: 'client-safe summary',
        }),
      ),
  );
}

/** OUT1: the eight outputs, all at once or one by name. */
function outputReads(db: Db, add: AddRoute, read: ReadRoute): void {
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
      summary:
        'One output: qualified opportunity, discovery notes, audit proof, proposal draft, approval state, contract handoff, onboarding checklist, won or lost reason',
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
}

/** A deal's records: proposal, versions, approvals, contract, client-safe summaries and the eight outputs. */
export function recordRoutes(deps: AppDeps) {
  const { router, add } = apiRouter('/v1', deps);
  const read = dealReader(deps.db, add);
  proposalReads(deps, read);
  approvalAndContractReads(deps, read);
  outputReads(deps.db, add, read);
  return router;
}
