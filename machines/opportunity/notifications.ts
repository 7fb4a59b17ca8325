/**
 * What the system tells people (NT1): the webhook event types a subscription chooses from, and
 * how each person wants their email. The database enums, the API schemas, the OpenAPI payload
 * schemas and the docs import these lists; nothing else spells them out.
 */

/** Every webhook event type, in the order the docs list them. */
export const WEBHOOK_EVENT_TYPES = [
  'deal.created',
  'deal.stage_changed',
  'deal.overdue',
  'deal.paused',
  'deal.lost',
  'deal.won',
  'deal.handed_off',
  'handoff.blocked',
  'proposal.submitted',
  'proposal.approved',
  'proposal.sent',
  'proposal.viewed',
  'task.created',
  'task.assigned',
  'task.overdue',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** The version of the payloads' shape; a breaking change makes a new version, announced in the docs. */
export const WEBHOOK_PAYLOAD_VERSION = 1;

/** How a person wants their email: each as it happens (and the daily digest), the digest only, or none. */
export const EMAIL_PREFERENCES = ['immediate', 'digest', 'off'] as const;
export type EmailPreference = (typeof EMAIL_PREFERENCES)[number];

/**
 * The notifications that mail a person at once (when their preference is `immediate`): a task given
 * to them, a proposal waiting for their approval, a client viewing their proposal.
 */
export const IMMEDIATE_EMAIL_TYPES = [
  'task.created',
  'task.assigned',
  'proposal.submitted',
  'proposal.viewed',
] as const satisfies readonly WebhookEventType[];

/** Where a delivery (a webhook to one subscription, or one email) stands. */
export const DELIVERY_STATUSES = ['pending', 'succeeded', 'failed', 'skipped'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export const EMAIL_KINDS = ['immediate', 'digest'] as const;
export type EmailKind = (typeof EMAIL_KINDS)[number];
