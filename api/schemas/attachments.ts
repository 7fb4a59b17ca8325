/**
 * The records an event brings besides the machine event itself (`attachments`): the text
 * of a proposal section and its line items, audit evidence details, client-safe summary
 * drafts, an approval note, the message sent with a proposal. The API validates what a
 * caller sends with the CLIENT schemas; the deal workflow passes the attachments on to
 * `recordSideRecords`, which reads them with the STORED schemas (client fields plus what
 * the API adds itself, such as a proposal link's token hash).
 */
import { z } from 'zod';
import { eventSchemas, text, type EventType } from '../../machines/opportunity';
import { SUMMARY_KINDS, VISIBILITIES } from '../../db/schema/enums';

export const visibilitySchema = z.enum(VISIBILITIES).meta({ description: 'Only `client_safe` text can ever reach a client, and only once approved (K1)' });

export const lineItemSchema = z.strictObject({
  description: text(500),
  quantity: z.int().min(1).max(1_000_000).default(1),
  unitPriceCents: z.int().min(0).max(1_000_000_000_000),
  visibility: visibilitySchema.default('client_safe'),
});

export const summaryDraftSchema = z.strictObject({
  kind: z.enum(SUMMARY_KINDS),
  body: text(5_000),
});
const summaryDrafts = z.strictObject({ summaries: z.array(summaryDraftSchema).min(1).max(SUMMARY_KINDS.length).optional() });

/** What a caller may attach, per event type. Event types not listed take no attachments. */
export const CLIENT_ATTACHMENTS = {
  RECORD_PROPOSAL_SECTION: z
    .strictObject({
      body: text(20_000),
      visibility: visibilitySchema,
      /** Pricing lives in line items (S1): required for `pricing`, refused for every other section. */
      lineItems: z.array(lineItemSchema).min(1).max(200).optional(),
    })
    .meta({ example: { body: 'Setup and three months of managed lead routing', visibility: 'client_safe', lineItems: [{ description: 'Setup', unitPriceCents: 250000 }] } }),
  RECORD_AUDIT_EVIDENCE: z.strictObject({ kind: text(100).optional(), sourceUrl: z.url().max(2_000).optional() }),
  SUBMIT_FOR_APPROVAL: summaryDrafts.meta({ example: { summaries: [{ kind: 'audit_findings', body: 'About a third of after-hours calls go unanswered.' }] } }),
  APPROVE_CLIENT_SAFE_SUMMARY: summaryDrafts,
  APPROVE: z.strictObject({ note: text(2_000).optional() }),
  SEND_PROPOSAL: z.strictObject({ message: z.strictObject({ subject: text(200).optional(), body: text(5_000) }).optional() }),
} satisfies Partial<Record<EventType, z.ZodType>>;
export type ClientAttachmentType = keyof typeof CLIENT_ATTACHMENTS;

/** Attachments a caller must send with these events. */
export const REQUIRED_ATTACHMENTS: readonly ClientAttachmentType[] = ['RECORD_PROPOSAL_SECTION'];

const tokenHash = z.string().regex(/^[0-9a-f]{64}$/);

/** What `recordSideRecords` reads: the client's attachments plus what the API adds. */
export const STORED_ATTACHMENTS = {
  ...CLIENT_ATTACHMENTS,
  SEND_PROPOSAL: CLIENT_ATTACHMENTS.SEND_PROPOSAL.extend({ linkTokenHash: tokenHash }),
  RECORD_VIEW: z.strictObject({ linkTokenHash: tokenHash, viewedAt: eventSchemas().isoDateTime }),
} satisfies Partial<Record<EventType, z.ZodType>>;
export type StoredAttachments = { [K in keyof typeof STORED_ATTACHMENTS]: z.infer<(typeof STORED_ATTACHMENTS)[K]> };
