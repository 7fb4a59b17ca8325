import { Webhook } from 'standardwebhooks';
import { newWebhookSecret } from '../../../notifications/secrets';
import { webhookHeaders, webhookSignature } from '../../../notifications/signing';

/*
 * [NT1] Signatures are checked by the Standard Webhooks reference library (`standardwebhooks`),
 * not by our own code: a receiver using it accepts what we send, also during a secret rotation.
 */

const body = JSON.stringify({ type: 'deal.created', timestamp: '2025-03-01T09:30:00.000Z', version: 1, data: {} });
const now = () => Math.floor(Date.now() / 1000);

describe('[NT1] webhook signing, verified by the standardwebhooks package', () => {
  it('is verified with the one secret that signed it; the headers carry id, timestamp and type', () => {
    const secret = newWebhookSecret();
    const timestamp = now();
    const headers = webhookHeaders({ id: 'msg_abc', timestamp, body, secrets: [secret] });
    expect(headers).toEqual({
      'webhook-id': 'msg_abc',
      'webhook-timestamp': String(timestamp),
      'webhook-signature': expect.stringMatching(/^v1,[A-Za-z0-9+/]{43}=$/),
      'content-type': 'application/json',
      'user-agent': expect.stringMatching(/^opportunity-path-webhooks\//),
    });
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(newWebhookSecret()).verify(body, headers)).toThrow('No matching signature');
  });

  it('matches the signature the reference library computes', () => {
    const secret = newWebhookSecret();
    const timestamp = 1_700_000_000;
    expect(webhookSignature({ id: 'msg_1', timestamp, body, secrets: [secret] })).toBe(
      new Webhook(secret).sign('msg_1', new Date(timestamp * 1000), body),
    );
  });

  it('during a rotation signs with both secrets, so a receiver holding either one verifies', () => {
    const [current, previous, other] = [newWebhookSecret(), newWebhookSecret(), newWebhookSecret()];
    const headers = webhookHeaders({ id: 'msg_rot', timestamp: now(), body, secrets: [current, previous] });
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(new Webhook(current).verify(body, headers)).toEqual(JSON.parse(body));
    expect(new Webhook(previous).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(other).verify(body, headers)).toThrow('No matching signature');
  });

  it('is refused when the body, the timestamp or the id was changed', () => {
    const secret = newWebhookSecret();
    const timestamp = now();
    const headers = webhookHeaders({ id: 'msg_t', timestamp, body, secrets: [secret] });
    const verifier = new Webhook(secret);
    expect(() => verifier.verify(body.replace('deal.created', 'deal.won'), headers)).toThrow('No matching signature');
    expect(() => verifier.verify(`${body} `, headers)).toThrow('No matching signature');
    expect(() => verifier.verify(body, { ...headers, 'webhook-timestamp': String(timestamp - 1) })).toThrow(
      'No matching signature',
    );
    expect(() => verifier.verify(body, { ...headers, 'webhook-id': 'msg_u' })).toThrow('No matching signature');
  });

  it('signs the exact bytes of a body with non-ASCII text', () => {
    const secret = newWebhookSecret();
    const unicode = JSON.stringify({ title: 'Zürich – 東京 😀' });
    const headers = webhookHeaders({ id: 'msg_u', timestamp: now(), body: unicode, secrets: [secret] });
    expect(new Webhook(secret).verify(Buffer.from(unicode, 'utf8'), headers)).toEqual(JSON.parse(unicode));
  });

  it('refuses to sign without a secret, with a secret that is not base64, or with a fractional timestamp', () => {
    const input = { id: 'msg_x', timestamp: now(), body };
    expect(() => webhookSignature({ ...input, secrets: [] })).toThrow('at least one secret');
    expect(() => webhookSignature({ ...input, secrets: ['whsec_not base64!'] })).toThrow('base64');
    expect(() => webhookSignature({ ...input, secrets: ['whsec_'] })).toThrow('base64');
    expect(() => webhookSignature({ ...input, timestamp: 1.5, secrets: [newWebhookSecret()] })).toThrow('unix seconds');
  });
});
