/**
 * Webhook subscriptions (NT1, admin only): create, read, change, delete, rotate the secret; the
 * delivery log of each and a manual redelivery; and the event types a receiver may get. The
 * secret is shown when created or rotated and stored sealed; a URL is checked when given
 * (and again by the sender at connect time).
 */
import {
  createSubscription,
  deleteSubscription,
  deliveryAttempts,
  getDelivery,
  getSubscription,
  listDeliveries,
  listSubscriptions,
  redeliver,
  rotateSubscriptionSecret,
  updateSubscription,
  type DeliveryView,
  type SubscriptionView,
} from '../../db/queries/webhook-subscriptions';
import type { WebhookAttemptRow } from '../../db/schema';
import {
  DELIVERY_STATUSES,
  WEBHOOK_EVENT_TYPES,
  WEBHOOK_PAYLOAD_VERSION,
} from '../../machines/opportunity/notifications';
import { newWebhookSecret } from '../../notifications/secrets';
import { checkWebhookUrl, WebhookUrlRefused, type UrlPolicy } from '../../notifications/url-safety';
import type { AppDeps, WebhookApiConfig } from '../app';
import { DomainError, notFound } from '../errors';
import { documentWebhookPayloads } from '../openapi/webhooks';
import { iso } from '../resources/unreadable';
import { apiRouter, type ApiRouter } from '../route-kit';
import { idParams } from '../schemas/common';
import {
  createdWebhookSchema,
  createWebhookBody,
  deliveryDetailSchema,
  deliveryPageSchema,
  deliverySchema,
  eventTypeCatalogueSchema,
  listDeliveriesQuery,
  listWebhooksQuery,
  rotatedSecretSchema,
  updateWebhookBody,
  WEBHOOK_EVENT_DESCRIPTIONS,
  webhookActionBody,
  webhookPageSchema,
  webhookSchema,
} from '../schemas/webhooks';

const ADMIN = ['admin'] as const;
const TAGS = ['Webhooks'];

export const webhookResource = (s: SubscriptionView) => ({
  id: s.id,
  name: s.name,
  url: s.url,
  eventTypes: s.eventTypes,
  active: s.active,
  internal: s.internal,
  maxConcurrency: s.maxConcurrency,
  disabledReason: s.disabledReason,
  disabledAt: iso(s.disabledAt),
  // An expired previous secret no longer signs: only an overlap still running is worth showing.
  secretRotatedUntil:
    s.previousSecretExpiresAt && s.previousSecretExpiresAt.getTime() > Date.now()
      ? iso(s.previousSecretExpiresAt)
      : null,
  createdBy: { id: s.createdBy, name: s.createdByName },
  createdAt: iso(s.createdAt),
  updatedAt: iso(s.updatedAt),
  deliveries: Object.fromEntries(DELIVERY_STATUSES.map((status) => [status, s.deliveryCounts[status] ?? 0])),
});

export const deliveryResource = (d: DeliveryView) => ({
  id: d.id,
  subscriptionId: d.subscriptionId,
  webhookId: `msg_${d.notificationId}`,
  eventType: d.eventType,
  dealId: d.dealId,
  status: d.status,
  attempts: d.attempts,
  lastStatusCode: d.lastStatusCode,
  lastLatencyMs: d.lastLatencyMs,
  lastError: d.lastError,
  nextAttemptAt: iso(d.nextAttemptAt),
  firstAttemptAt: iso(d.firstAttemptAt),
  completedAt: iso(d.completedAt),
  createdAt: iso(d.createdAt),
});

const attemptResource = (a: WebhookAttemptRow) => ({
  attempt: a.attempt,
  startedAt: iso(a.startedAt),
  statusCode: a.statusCode,
  latencyMs: a.latencyMs,
  error: a.error,
  responseExcerpt: a.responseExcerpt,
  nextAttemptAt: iso(a.nextAttemptAt),
});

/** The URL as checked (scheme, credentials, addresses), or a 422 `webhook_url_refused` naming why. */
async function allowedUrl(url: string, policy: UrlPolicy): Promise<string> {
  try {
    return (await checkWebhookUrl(url, policy)).href;
  } catch (error) {
    if (!(error instanceof WebhookUrlRefused)) throw error;
    throw new DomainError('webhook_url_refused', 422, `The webhook URL is refused: ${error.reason}`, {
      reason: error.reason,
      errors: [{ field: 'url', message: error.reason }],
    });
  }
}

async function subscriptionOr404(db: AppDeps['db'], id: string): Promise<SubscriptionView> {
  const subscription = await getSubscription(db, id);
  if (!subscription) throw notFound('The webhook subscription');
  return subscription;
}

export function webhookRoutes({ db, logger, config }: AppDeps) {
  const { router, add, list } = apiRouter('/v1', { db, logger });
  documentWebhookPayloads();
  subscriptionRoutes({ add, list }, { db, webhooks: config.webhooks });
  changeRoutes({ add }, { db, webhooks: config.webhooks });
  eventTypeRoutes({ add });
  deliveryRoutes({ add, list }, { db });
  return router;
}

type Deps = Pick<AppDeps, 'db'> & { webhooks: WebhookApiConfig };

/** Creating and reading subscriptions. */
function subscriptionRoutes({ add, list }: Pick<ApiRouter, 'add' | 'list'>, { db, webhooks }: Deps) {
  add(
    {
      method: 'post',
      path: '/webhooks',
      summary: 'Create a webhook subscription (its secret is returned once)',
      description:
        'The URL is checked now and again at every connection: http or https, no credentials, no private, loopback or ' +
        'link-local address unless WEBHOOK_ALLOWED_HOSTS names it (422 `webhook_url_refused` with the reason). ' +
        'The signing secret is stored encrypted and shown in this answer only (a replay with the same Idempotency-Key shows null).',
      tags: TAGS,
      roles: ADMIN,
      body: createWebhookBody,
      success: {
        status: 201,
        description: 'The subscription and its secret',
        schema: createdWebhookSchema,
        headers: ['Location'],
      },
    },
    async ({ body, principal }) => {
      const url = await allowedUrl(body.url, webhooks.urlPolicy);
      const secret = newWebhookSecret();
      const id = await createSubscription(db, {
        ...body,
        url,
        secretEncrypted: webhooks.secrets.seal(secret),
        createdBy: principal.userId,
      });
      const subscription = webhookResource((await getSubscription(db, id))!);
      return {
        body: { subscription, secret },
        replayBody: { subscription, secret: null },
        headers: { Location: `/v1/webhooks/${id}` },
      };
    },
  );

  list(
    {
      path: '/webhooks',
      summary: 'List webhook subscriptions',
      description: 'In id order; filter with `active`. No secret is ever shown.',
      tags: TAGS,
      roles: ADMIN,
      query: listWebhooksQuery,
    },
    { of: 'webhook subscriptions', schema: webhookPageSchema, resource: webhookResource },
    ({ query }) => listSubscriptions(db, query),
  );

  add(
    {
      method: 'get',
      path: '/webhooks/:id',
      summary: 'Read a webhook subscription',
      description: 'With its deliveries counted by status. No secret is ever shown.',
      tags: TAGS,
      roles: ADMIN,
      params: idParams,
      success: { status: 200, description: 'The subscription', schema: webhookSchema },
      errors: [404],
    },
    async ({ params }) => ({ body: webhookResource(await subscriptionOr404(db, params.id)) }),
  );
}

/** What a receiver may be sent: the event types and what each means. */
function eventTypeRoutes({ add }: Pick<ApiRouter, 'add'>) {
  add(
    {
      method: 'get',
      path: '/webhook-event-types',
      summary: 'List the webhook event types',
      description:
        'What each type means. Every payload is `{type, timestamp, version, data}`: the `WebhookPayload` schema, ' +
        'with one entry per type in the `webhooks` section of this document.',
      tags: TAGS,
      roles: ['admin', 'ops', 'rep'],
      success: { status: 200, description: 'The event types', schema: eventTypeCatalogueSchema },
    },
    async () => ({
      body: {
        payloadVersion: WEBHOOK_PAYLOAD_VERSION,
        items: WEBHOOK_EVENT_TYPES.map((type) => ({ type, description: WEBHOOK_EVENT_DESCRIPTIONS[type] })),
      },
    }),
  );
}

/** Changing, deleting and rotating the secret of a subscription. */
function changeRoutes({ add }: Pick<ApiRouter, 'add'>, { db, webhooks }: Deps) {
  add(
    {
      method: 'patch',
      path: '/webhooks/:id',
      summary: 'Change a webhook subscription',
      description:
        'Only the fields sent change; a new URL is checked like a first one. `active: true` turns a subscription the ' +
        'system disabled on again, clears `disabledReason` and `disabledAt`, and its pending deliveries go out.',
      tags: TAGS,
      roles: ADMIN,
      params: idParams,
      body: updateWebhookBody,
      success: { status: 200, description: 'The subscription as changed', schema: webhookSchema },
      errors: [404],
    },
    async ({ params, body }) => {
      await subscriptionOr404(db, params.id);
      const url = body.url === undefined ? undefined : await allowedUrl(body.url, webhooks.urlPolicy);
      if (!(await updateSubscription(db, params.id, { ...body, url }))) throw notFound('The webhook subscription');
      return { body: webhookResource(await subscriptionOr404(db, params.id)) };
    },
  );

  add(
    {
      method: 'delete',
      path: '/webhooks/:id',
      summary: 'Delete a webhook subscription',
      description:
        'The subscription goes with its deliveries and their attempts; deliveries in flight finish, none is retried. ' +
        'To stop deliveries but keep the log, `PATCH` it with `active: false` instead.',
      tags: TAGS,
      roles: ADMIN,
      params: idParams,
      success: { status: 204, description: 'Deleted' },
      errors: [404],
    },
    async ({ params }) => {
      if (!(await deleteSubscription(db, params.id))) throw notFound('The webhook subscription');
      return { body: undefined };
    },
  );

  add(
    {
      method: 'post',
      path: '/webhooks/:id/rotate-secret',
      summary: 'Rotate the signing secret (the new one is returned once)',
      description:
        'Deliveries are signed with the new secret and, until `previousSecretValidUntil` (WEBHOOK_SECRET_OVERLAP_SECONDS), ' +
        'with the previous one too (two signatures in `webhook-signature`), so a receiver can switch without losing any. ' +
        'Rotating again during an overlap drops the oldest secret at once.',
      tags: TAGS,
      roles: ADMIN,
      params: idParams,
      body: webhookActionBody,
      success: { status: 200, description: 'The new secret', schema: rotatedSecretSchema },
      errors: [404],
    },
    async ({ params }) => {
      const secret = newWebhookSecret();
      const sealed = webhooks.secrets.seal(secret);
      const until = await rotateSubscriptionSecret(db, params.id, sealed, webhooks.secretOverlapSeconds);
      if (!until) throw notFound('The webhook subscription');
      const previousSecretValidUntil = iso(until);
      return { body: { secret, previousSecretValidUntil }, replayBody: { secret: null, previousSecretValidUntil } };
    },
  );
}

/** The delivery log and a manual redelivery. */
function deliveryRoutes({ add, list }: Pick<ApiRouter, 'add' | 'list'>, { db }: Pick<AppDeps, 'db'>) {
  list(
    {
      path: '/webhooks/:id/deliveries',
      summary: "List a webhook subscription's deliveries",
      description: 'Newest first; filter with `status`. Each is one event to this subscription, with its last attempt.',
      tags: TAGS,
      roles: ADMIN,
      params: idParams,
      query: listDeliveriesQuery,
      errors: [404],
    },
    { of: 'webhook deliveries', schema: deliveryPageSchema, resource: deliveryResource },
    async ({ params, query }) => {
      await subscriptionOr404(db, params.id);
      return listDeliveries(db, { ...query, subscriptionId: params.id });
    },
  );

  add(
    {
      method: 'get',
      path: '/webhook-deliveries/:id',
      summary: 'Read a webhook delivery with its attempts',
      description:
        'Each attempt with its status code, latency, error, the first 256 characters of the response and the retry it scheduled.',
      tags: TAGS,
      roles: ADMIN,
      params: idParams,
      success: { status: 200, description: 'The delivery', schema: deliveryDetailSchema },
      errors: [404],
    },
    async ({ params }) => {
      const delivery = await getDelivery(db, params.id);
      if (!delivery) throw notFound('The webhook delivery');
      const attempts = await deliveryAttempts(db, delivery.id);
      return {
        body: {
          ...deliveryResource(delivery),
          payloadVersion: WEBHOOK_PAYLOAD_VERSION,
          occurredAt: iso(delivery.occurredAt),
          attemptLog: attempts.map(attemptResource),
        },
      };
    },
  );

  add(
    {
      method: 'post',
      path: '/webhook-deliveries/:id/redeliver',
      summary: 'Send a delivery again',
      description:
        'A delivery that succeeded, failed or was skipped goes back to pending and is sent again with the same ' +
        '`webhook-id` (receivers that deduplicate see it as the same message). One still pending answers 409 ' +
        '`delivery_pending`; one of an inactive subscription 409 `subscription_inactive` (turn it on first).',
      tags: TAGS,
      roles: ADMIN,
      params: idParams,
      body: webhookActionBody,
      success: { status: 202, description: 'The delivery, pending again', schema: deliverySchema },
      errors: [404, 409],
    },
    async ({ params }) => {
      const outcome = await redeliver(db, params.id);
      if ('delivery' in outcome) return { body: deliveryResource(outcome.delivery) };
      if (outcome.refused === 'not_found') throw notFound('The webhook delivery');
      if (outcome.refused === 'pending')
        throw new DomainError('delivery_pending', 409, 'The delivery is still pending: it will be sent (or retried)');
      throw new DomainError(
        'subscription_inactive',
        409,
        'The subscription is inactive: turn it on (PATCH active: true) before redelivering',
      );
    },
  );
}
