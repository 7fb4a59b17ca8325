/**
 * The records an event brings besides the machine event itself (`attachments`): the text
 * of a proposal section and its line items, audit evidence details, client-safe summary
 * drafts, an approval note, the message sent with a proposal. The API validates what a
 * caller sends with the CLIENT schemas; the deal workflow passes the attachments on to
 * `recordSideRecords`, which reads them with the STORED schemas (client fields plus what
 * the API adds itself, such as a proposal link's token hash).
 *
 * Import this module by its own path: the index does not re-export it, because the worker
 * deep-freezes whatever the index's exports reach and a frozen zod schema cannot parse
 * (see `eventSchemas` in events.ts). The workflow never loads it.
 */
import { z } from 'zod';
import { eventSchemas, line, safeTextCheck, text } from './events';
import { VISIBILITIES, type EventType } from './vocabulary';

const visibilitySchema = z
  .enum(VISIBILITIES)
  .meta({ description: 'Only `client_safe` text can ever reach a client, and only once approved (K1)' });

/*
 * Money caps. A line's total (quantity x unit price) is at most 1e5 x 1e10 = 1e15 cents, and
 * a proposal's total is capped at the same 1e15 cents: both stay exact integers below
 * Number.MAX_SAFE_INTEGER (about 9.007e15) and far inside Postgres' bigint (about 9.22e18).
 */
const MAX_LINE_ITEMS = 200;
export const MAX_QUANTITY = 100_000;
export const MAX_UNIT_PRICE_CENTS = 10_000_000_000;
export const MAX_TOTAL_CENTS = 1_000_000_000_000_000;

interface Priced {
  quantity?: number | null;
  unitPriceCents?: number | null;
}

/** The total of line items in cents (a missing quantity is 1), summed as BigInt so no step rounds. */
export function totalCentsOf(items: readonly Priced[]): bigint {
  let total = 0n;
  for (const item of items) total += BigInt(item.quantity ?? 1) * BigInt(item.unitPriceCents ?? 0);
  return total;
}

/** `totalCentsOf` as the Number a response carries: exact for every amount the caps admit. */
export const totalCents = (items: readonly Priced[]): number => Number(totalCentsOf(items));

const lineItemSchema = z.strictObject({
  description: text(500),
  quantity: z
    .int()
    .min(1)
    .max(MAX_QUANTITY)
    .default(1)
    .meta({ description: `1 to ${MAX_QUANTITY.toLocaleString('en-US')}` }),
  unitPriceCents: z
    .int()
    .min(0)
    .max(MAX_UNIT_PRICE_CENTS)
    .meta({ description: `0 to ${MAX_UNIT_PRICE_CENTS.toLocaleString('en-US')} cents` }),
  visibility: visibilitySchema.default('client_safe'),
  serviceId: z.uuid().optional().meta({
    description: 'The catalogue service this line sells (S2): an active service of `GET /v1/services`',
  }),
});

/** Up to MAX_LINE_ITEMS lines whose total stays within MAX_TOTAL_CENTS. */
const lineItemsSchema = z
  .array(lineItemSchema)
  .min(1)
  .max(MAX_LINE_ITEMS)
  .refine((items) => totalCentsOf(items) <= BigInt(MAX_TOTAL_CENTS), {
    message: `the total of the line items must be at most ${MAX_TOTAL_CENTS.toLocaleString('en-US')} cents`,
    // Only over well-formed lines: a line with a bad amount has its own issue.
    when: (payload) => payload.issues.length === 0,
  })
  .meta({
    description:
      `1 to ${MAX_LINE_ITEMS} priced lines. Each line's total is quantity x unitPriceCents; the lines' total may be at most ` +
      `${MAX_TOTAL_CENTS.toLocaleString('en-US')} cents, so every amount is an exact integer.`,
  });

/** A URL a caller gives: the URL format, and like every string no control characters or lone surrogates. */
const urlSchema = z.url().max(2_000).superRefine(safeTextCheck(false));

/** What a caller may attach, per event type. Event types not listed take no attachments. */
export const CLIENT_ATTACHMENTS = {
  RECORD_PROPOSAL_SECTION: z
    .strictObject({
      body: text(20_000),
      visibility: visibilitySchema,
      /** Pricing lives in line items (S1): required for `pricing`, refused for every other section. */
      lineItems: lineItemsSchema.optional(),
    })
    .meta({
      example: {
        body: 'Setup and three months of managed lead routing',
        visibility: 'client_safe',
        lineItems: [{ description: 'Setup', unitPriceCents: 250000 }],
      },
    }),
  RECORD_AUDIT_EVIDENCE: z.strictObject({ kind: line(100).optional(), sourceUrl: urlSchema.optional() }),
  RECORD_CLIENT_SAFE_SUMMARY: z
    .strictObject({ body: text(5_000) })
    .meta({ example: { body: 'About a third of after-hours calls go unanswered.' } }),
  RECORD_PROPOSAL_MESSAGE: z
    .strictObject({ subject: text(200).optional(), body: text(5_000) })
    .meta({ example: { subject: 'Your proposal', body: 'Here is the proposal we discussed on Tuesday.' } }),
  APPROVE: z.strictObject({ note: text(2_000).optional() }),
  /** An internal note's text: never shown to a portal user or through a proposal link (K1). */
  RECORD_NOTE: z
    .strictObject({ body: text(20_000) })
    .meta({ example: { body: 'Dana prefers calls after 4pm; the COO signs off anything over 5k.' } }),
} satisfies Partial<Record<EventType, z.ZodType>>;
export type ClientAttachmentType = keyof typeof CLIENT_ATTACHMENTS;

/** Attachments a caller must send with these events. */
export const REQUIRED_ATTACHMENTS: readonly ClientAttachmentType[] = [
  'RECORD_PROPOSAL_SECTION',
  'RECORD_CLIENT_SAFE_SUMMARY',
  'RECORD_PROPOSAL_MESSAGE',
  'RECORD_NOTE',
];

const tokenHash = z.string().regex(/^[0-9a-f]{64}$/);

/** What `recordSideRecords` reads: the client's attachments plus what the API adds. */
export const STORED_ATTACHMENTS = {
  ...CLIENT_ATTACHMENTS,
  SEND_PROPOSAL: z.strictObject({ linkTokenHash: tokenHash }),
  RECORD_VIEW: z.strictObject({ linkTokenHash: tokenHash, viewedAt: eventSchemas().isoDateTime }),
} satisfies Partial<Record<EventType, z.ZodType>>;
export type StoredAttachments = { [K in keyof typeof STORED_ATTACHMENTS]: z.infer<(typeof STORED_ATTACHMENTS)[K]> };
