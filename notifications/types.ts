import type { WebhookEventType } from '../machines/opportunity/notifications';

/**
 * What a trigger captures in `notification_events.data` when something happens (NT1). Each type
 * fills the parts that concern it; `internal` is the raw event payload (client-internal text may
 * be in it), which only internal subscriptions receive.
 */
export interface NotificationData {
  deal?: {
    id: string;
    stage: string;
    stageBefore?: string | null;
    ownerId: string;
  };
  /** The deal event behind it (APPROVE, RECORD_VIEW, ...), when there is one. */
  eventType?: string | null;
  lostReason?: string | null;
  /** handoff.blocked: the codes that appeared, with what the handoff waits for. */
  blockers?: { code: string; detail: string }[];
  /** deal.paused: the reasons now holding follow-ups or proposal work. */
  pauseReasons?: string[];
  task?: {
    id: string;
    kind: string;
    title: string;
    ownerId: string | null;
    queue: string | null;
    dueAt: string;
    /** task.assigned: who or which queue had it before. */
    previousOwnerId?: string | null;
    previousQueue?: string | null;
  };
  internal?: unknown;
}

/** A notification as the senders read it: the captured data with the names it needs. */
export interface LoadedNotification {
  id: string;
  type: WebhookEventType;
  occurredAt: Date;
  actorId: string | null;
  data: NotificationData;
  /** The deal as it is named now (title and company), when the notification is about one. */
  deal: { id: string; title: string; company: string } | null;
  /** Names of the people the data mentions (owner, task owner, actor), by id. */
  people: Record<string, string>;
}
