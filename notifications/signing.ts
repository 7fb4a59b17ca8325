import { createHmac } from 'node:crypto';
import { webhookSecretKey } from './secrets';

/**
 * Signing per the Standard Webhooks specification (NT1), so receivers can verify with its
 * libraries: HMAC-SHA256 of `<webhook-id>.<webhook-timestamp>.<body>`, keyed by the bytes the
 * secret's base64 (after `whsec_`) encodes. During a rotation's overlap every secret still valid
 * signs, and the signatures go in one header separated by spaces; a receiver holding either
 * secret finds its match.
 */

export interface SignatureInput {
  /** `msg_<notification id>`: the same on every retry, so receivers can drop duplicates. */
  id: string;
  /** Unix seconds of this attempt. */
  timestamp: number;
  /** The exact bytes sent: the signature covers the body as transmitted, not a re-serialisation. */
  body: string;
  /** The current secret first, then the previous one while its overlap lasts. */
  secrets: string[];
}

export const WEBHOOK_USER_AGENT = 'opportunity-path-webhooks/1';

/** The `webhook-signature` header: `v1,<base64>` per secret, separated by a space. */
export function webhookSignature({ id, timestamp, body, secrets }: SignatureInput): string {
  if (secrets.length === 0) throw new Error('a webhook needs at least one secret to sign with');
  if (!Number.isSafeInteger(timestamp) || timestamp < 0)
    throw new Error(`webhook timestamp must be whole unix seconds, got ${timestamp}`);
  const signed = `${id}.${timestamp}.${body}`;
  return secrets
    .map((secret) => `v1,${createHmac('sha256', webhookSecretKey(secret)).update(signed, 'utf8').digest('base64')}`)
    .join(' ');
}

/** Every header a delivery carries besides the transport's own (host, content-length). */
export function webhookHeaders(input: SignatureInput): Record<string, string> {
  return {
    'webhook-id': input.id,
    'webhook-timestamp': String(input.timestamp),
    'webhook-signature': webhookSignature(input),
    'content-type': 'application/json',
    'user-agent': WEBHOOK_USER_AGENT,
  };
}
