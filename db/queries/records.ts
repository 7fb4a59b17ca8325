import { and, asc, desc, eq } from 'drizzle-orm';
import type { DiscoveryFact } from '../../machines/opportunity/vocabulary';
import type { Db } from '../client';
import {
  auditEvidence,
  clientServices,
  communications,
  discoveryNotes,
  onboardingChecklists,
  projects,
  type AuditEvidenceRow,
  type ClientServiceRow,
  type CommunicationRow,
  type DiscoveryNoteRow,
  type OnboardingChecklistRow,
  type ProjectRow,
  type Visibility,
} from '../schema';
import { insertOnceByKey, selectAll, selectOne } from './support';

/*
 * The deal's own records that the API reads (discovery notes, audit evidence, communications,
 * handoff delivery records) and that an accepted event writes through `recordSideRecords`.
 * Every write is keyed by the event's key, so a retry is a no-op. Internal reads: portal
 * users and proposal links read through `portal.ts` only.
 */

export async function recordDiscoveryNotes(
  db: Db,
  input: { key: string; opportunityId: string; facts: Partial<Record<DiscoveryFact, string>>; recordedBy: string },
): Promise<void> {
  for (const [fact, body] of Object.entries(input.facts) as [DiscoveryFact, string][]) {
    await insertOnceByKey(db, discoveryNotes, {
      key: `${input.key}:${fact}`,
      opportunityId: input.opportunityId,
      fact,
      body,
      recordedBy: input.recordedBy,
    });
  }
}

export function recordAuditEvidence(
  db: Db,
  input: {
    key: string;
    opportunityId: string;
    kind: string;
    summary: string;
    sourceUrl: string | null;
    recordedBy: string;
  },
): Promise<AuditEvidenceRow> {
  return insertOnceByKey(db, auditEvidence, input);
}

export function recordCommunication(
  db: Db,
  input: {
    key: string;
    opportunityId: string;
    channel: string;
    direction: 'inbound' | 'outbound';
    subject: string | null;
    body: string;
    visibility: Visibility;
    occurredAt: Date;
    createdBy: string;
  },
): Promise<CommunicationRow> {
  return insertOnceByKey(db, communications, input);
}

/** The channel of a drafted proposal message: internal until the proposal is sent with it. */
export const MESSAGE_DRAFT_CHANNEL = 'proposal_message_draft';

/** The latest drafted proposal message of a deal, if any. */
export async function latestMessageDraft(db: Db, opportunityId: string): Promise<CommunicationRow | null> {
  const [row] = await db
    .select()
    .from(communications)
    .where(and(eq(communications.opportunityId, opportunityId), eq(communications.channel, MESSAGE_DRAFT_CHANNEL)))
    .orderBy(desc(communications.occurredAt), desc(communications.createdAt))
    .limit(1);
  return row ?? null;
}

export function listDiscoveryNotes(db: Db, opportunityId: string): Promise<DiscoveryNoteRow[]> {
  const ofDeal = eq(discoveryNotes.opportunityId, opportunityId);
  return selectAll(db, discoveryNotes, ofDeal, asc(discoveryNotes.createdAt), asc(discoveryNotes.fact));
}

export function listAuditEvidence(db: Db, opportunityId: string): Promise<AuditEvidenceRow[]> {
  return selectAll(db, auditEvidence, eq(auditEvidence.opportunityId, opportunityId), asc(auditEvidence.createdAt));
}

/** The handoff's delivery records of a deal, where they exist (W1, S2). */
export async function deliveryRecords(
  db: Db,
  opportunityId: string,
): Promise<{
  project: ProjectRow | null;
  clientService: ClientServiceRow | null;
  checklist: OnboardingChecklistRow | null;
}> {
  // One after another: inside a transaction `db` is a single connection (pg deprecates overlapping queries on one).
  const project = await selectOne(db, projects, eq(projects.opportunityId, opportunityId));
  const clientService = await selectOne(db, clientServices, eq(clientServices.opportunityId, opportunityId));
  const checklist = await selectOne(db, onboardingChecklists, eq(onboardingChecklists.opportunityId, opportunityId));
  return { project: project ?? null, clientService: clientService ?? null, checklist: checklist ?? null };
}
