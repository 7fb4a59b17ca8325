import type { WebhookEventType } from '../../../machines/opportunity/notifications';
import type { LoadedNotification, NotificationData } from '../../../notifications/types';

/** Notifications as the db layer loads them, one per event type, for the payload and email tests. */

export const ids = {
  deal: '0b9d6c8e-2f4a-4c61-9a57-3e1f0f6c2d11',
  task: '5a1c2e3d-4b5f-4a6b-8c7d-9e0f1a2b3c4d',
  notification: '7f3e2d1c-0b9a-4877-a665-544332211000',
  owner: '11111111-1111-4111-8111-111111111111',
  rep: '22222222-2222-4222-8222-222222222222',
  approver: '33333333-3333-4333-8333-333333333333',
};

export const people: Record<string, string> = {
  [ids.owner]: 'Olivia Owner',
  [ids.rep]: 'Rita Rep',
  [ids.approver]: 'Arno Approver',
};

/** Client-internal text of the kind only `internal` may hold (K1): an audit note, a pricing assumption. */
export const INTERNAL_NOTE = 'Client admitted budget is really 40k; do not tell them';

const deal = (stage: string, stageBefore: string | null = null): NotificationData['deal'] => ({
  id: ids.deal,
  stage,
  stageBefore,
  ownerId: ids.owner,
});

const task = (extra: Partial<NonNullable<NotificationData['task']>> = {}): NotificationData['task'] => ({
  id: ids.task,
  kind: 'follow_up',
  title: 'Call about the proposal',
  ownerId: ids.rep,
  queue: null,
  dueAt: '2025-03-04T14:00:00+00:00',
  ...extra,
});

/** What each type's trigger captures (the shapes of `NotificationData`). */
export const DATA_BY_TYPE: Record<WebhookEventType, NotificationData> = {
  'deal.created': { deal: deal('lead') },
  'deal.stage_changed': { deal: deal('proposal', 'audit') },
  'deal.overdue': { deal: deal('discovery') },
  'deal.paused': { deal: deal('qualified'), pauseReasons: ['consent', 'timing'] },
  'deal.lost': { deal: deal('lost', 'sent'), lostReason: 'budget' },
  'deal.won': { deal: deal('won', 'sent') },
  'deal.handed_off': { deal: deal('handed_off', 'won') },
  'handoff.blocked': {
    deal: deal('won'),
    blockers: [{ code: 'connector_access', detail: 'access to the CRM connector is not granted' }],
  },
  'proposal.submitted': { deal: deal('approval', 'proposal') },
  'proposal.approved': {
    deal: deal('approval'),
    eventType: 'APPROVE',
    internal: { approval: 'proposal', note: INTERNAL_NOTE },
  },
  'proposal.sent': { deal: deal('sent', 'approval') },
  'proposal.viewed': {
    deal: deal('sent'),
    eventType: 'RECORD_VIEW',
    internal: { viewer: 'client', note: INTERNAL_NOTE },
  },
  'task.created': { deal: deal('proposal'), task: task() },
  'task.assigned': {
    deal: deal('proposal'),
    task: task({ ownerId: ids.owner, previousOwnerId: ids.rep, previousQueue: null }),
  },
  'task.overdue': { deal: deal('proposal'), task: task() },
};

const ACTOR_BY_TYPE: Partial<Record<WebhookEventType, string>> = {
  'proposal.submitted': ids.rep,
  'proposal.approved': ids.approver,
  'task.assigned': ids.approver,
  'deal.overdue': 'system',
};

export function loaded(type: WebhookEventType, change: Partial<LoadedNotification> = {}): LoadedNotification {
  return {
    id: ids.notification,
    type,
    occurredAt: new Date('2025-03-01T09:30:00.000Z'),
    actorId: ACTOR_BY_TYPE[type] ?? null,
    data: DATA_BY_TYPE[type],
    deal: { id: ids.deal, title: 'Website rebuild', company: 'Acme GmbH' },
    people,
    ...change,
  };
}
