/**
 * The requests the API sends (NT1): one entry per event type in the document's `webhooks`
 * section, each a POST of the `WebhookPayload` schema with the Standard Webhooks headers, so
 * people building receivers read the payloads where they read the routes.
 */
import { z } from 'zod';
import { WEBHOOK_EVENT_TYPES } from '../../machines/opportunity/notifications';
import { webhookPayloadSchema } from '../../notifications/payload';
import { WEBHOOK_EVENT_DESCRIPTIONS } from '../schemas/webhooks';
import { documentSchema, documentWebhook } from './registry';

export const webhookPayloadComponent = documentSchema('WebhookPayload', webhookPayloadSchema);

const signatureHeaders = z.object({
  'webhook-id': z.string().meta({
    description: '`msg_` and the notification id: the same on every retry and redelivery (deduplicate on it)',
  }),
  'webhook-timestamp': z.string().meta({ description: 'Unix seconds of this attempt; refuse one too far from now' }),
  'webhook-signature': z.string().meta({
    description:
      'Space-separated `v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`, one per secret in use (two during a ' +
      "rotation's overlap); the key is the base64-decoded part of the secret after `whsec_`",
  }),
});

const camel = (type: string) => type.replace(/[._]+(.)/g, (_m, c: string) => c.toUpperCase());

/** Registers the payload schema and one webhook per event type (once per process). */
export function documentWebhookPayloads(): void {
  for (const type of WEBHOOK_EVENT_TYPES) {
    documentWebhook({
      method: 'post',
      path: type,
      operationId: `webhook${camel(`.${type}`)}`,
      summary: WEBHOOK_EVENT_DESCRIPTIONS[type],
      description:
        `Sent to each active subscription listing \`${type}\`, with \`type: "${type}"\`. Answer any 2xx within the ` +
        'attempt timeout to acknowledge; anything else (or no answer) is retried with backoff, with the same `webhook-id`.',
      tags: ['Webhooks'],
      request: {
        headers: signatureHeaders,
        body: { required: true, content: { 'application/json': { schema: webhookPayloadComponent } } },
      },
      responses: { 200: { description: 'Received (any 2xx)' } },
    });
  }
}
