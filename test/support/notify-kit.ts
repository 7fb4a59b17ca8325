/** Helpers of the notification tests: subscriptions through the API, and reading what a receiver got. */
import { Webhook } from 'standardwebhooks';
import { WEBHOOK_EVENT_TYPES } from '../../machines/opportunity/notifications';
import type { Api } from './api-deal';
import type { ReceivedWebhook } from './webhook-receiver';

export interface Subscription {
  id: string;
  secret: string;
}

export async function subscribe(
  admin: Api,
  url: string,
  extra: { eventTypes?: readonly string[]; internal?: boolean; maxConcurrency?: number; name?: string } = {},
): Promise<Subscription> {
  const created = await admin.post('/v1/webhooks', {
    name: extra.name ?? 'Test receiver',
    url,
    eventTypes: extra.eventTypes ?? WEBHOOK_EVENT_TYPES,
    internal: extra.internal ?? false,
    ...(extra.maxConcurrency ? { maxConcurrency: extra.maxConcurrency } : {}),
  });
  if (created.status !== 201)
    throw new Error(`POST /v1/webhooks answered ${created.status}: ${JSON.stringify(created.body)}`);
  return { id: created.body.subscription.id, secret: created.body.secret };
}

/** Turns a subscription off so later stacks on the shared database leave it alone. */
export const unsubscribe = (admin: Api, subscription: Subscription) =>
  admin.patch(`/v1/webhooks/${subscription.id}`, { active: false });

export interface Delivered {
  id: string;
  type: string;
  dealId: string | null;
  body: any;
  raw: string;
  headers: Record<string, string>;
}

/**
 * The requests a subscription's secret verifies, parsed, checked by the independent
 * `standardwebhooks` package (not the sender's code). A request it refuses throws.
 */
export function verified(received: ReceivedWebhook[], secret: string): Delivered[] {
  const verifier = new Webhook(secret);
  return received.map((request) => {
    const body = verifier.verify(request.body, {
      'webhook-id': request.headers['webhook-id'],
      'webhook-timestamp': request.headers['webhook-timestamp'],
      'webhook-signature': request.headers['webhook-signature'],
    }) as any;
    return {
      id: request.headers['webhook-id'],
      type: body.type,
      dealId: body.data?.deal?.id ?? null,
      body,
      raw: request.body,
      headers: request.headers,
    };
  });
}

/** Requests about these deals only: other test files' deals reach a subscription of every type too. */
export const aboutDeals = (delivered: Delivered[], dealIds: readonly string[]) =>
  delivered.filter((d) => d.dealId !== null && dealIds.includes(d.dealId));
