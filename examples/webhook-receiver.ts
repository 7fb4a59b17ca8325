/**
 * A webhook receiver that verifies what this app sends, with the Standard Webhooks library
 * (`npm install standardwebhooks`). Run it, then subscribe its URL (WEBHOOK_ALLOWED_HOSTS must
 * name 127.0.0.1 for a local receiver):
 *
 *   WEBHOOK_SECRET=whsec_... PORT=4000 npx tsx examples/webhook-receiver.ts
 *
 * A message is acknowledged with 2xx; any other answer (or none within the attempt timeout)
 * is retried later with the same `webhook-id`, so a receiver that must act once keeps the ids
 * it has handled.
 */
import http from 'node:http';
import { Webhook } from 'standardwebhooks';

const secret = process.env.WEBHOOK_SECRET;
if (!secret) throw new Error('Set WEBHOOK_SECRET to the secret the subscription showed (whsec_...)');
const webhook = new Webhook(secret);
const handled = new Set<string>();

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    const headers = {
      'webhook-id': String(req.headers['webhook-id'] ?? ''),
      'webhook-timestamp': String(req.headers['webhook-timestamp'] ?? ''),
      'webhook-signature': String(req.headers['webhook-signature'] ?? ''),
    };
    let message: { type: string; data: { deal?: { id: string; company: string; stage: string } } };
    try {
      // Checks the signature and that the timestamp is within five minutes (replays refused).
      message = webhook.verify(body, headers) as typeof message;
    } catch {
      res.writeHead(401).end('bad signature');
      return;
    }
    if (!handled.has(headers['webhook-id'])) {
      handled.add(headers['webhook-id']);
      const deal = message.data.deal;
      process.stdout.write(`${message.type} ${deal ? `${deal.company} (${deal.stage})` : ''}\n`);
    }
    res.writeHead(204).end();
  });
});

server.listen(Number(process.env.PORT ?? 4000), '127.0.0.1', () =>
  process.stdout.write(`listening on http://127.0.0.1:${process.env.PORT ?? 4000}/\n`),
);
