/**
 * A real HTTP receiver for webhook tests and the bench: it records every request, verifies
 * nothing itself (tests check signatures with the independent `standardwebhooks` package), and
 * can answer with an error status, be slow, or go away and come back on the same port.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  headers: Record<string, string>;
  body: string;
  receivedAt: number;
  /** The status this request was answered with. */
  answered: number;
}

export interface WebhookReceiver {
  url: string;
  port: number;
  received: ReceivedWebhook[];
  /** The status the next requests get (200 by default). */
  answerWith(status: number): void;
  /** How long each answer waits. */
  delayMs(ms: number): void;
  /** Stops listening (connections refused) until `up()`. */
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
  /** Resolves once `predicate` holds for the received requests, or rejects after `timeoutMs`. */
  waitFor(predicate: (received: ReceivedWebhook[]) => boolean, timeoutMs: number, what: string): Promise<void>;
}

function listen(server: http.Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  let status = 200;
  let delay = 0;
  const handler: http.RequestListener = (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const answered = status;
      received.push({
        headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])),
        body: Buffer.concat(chunks).toString('utf8'),
        receivedAt: Date.now(),
        answered,
      });
      setTimeout(() => res.writeHead(answered, { 'content-type': 'text/plain' }).end(`answered ${answered}`), delay);
    });
  };
  let server = http.createServer(handler);
  const port = await listen(server, 0);
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    port,
    received,
    answerWith: (next) => (status = next),
    delayMs: (ms) => (delay = ms),
    down: close,
    async up() {
      server = http.createServer(handler);
      await listen(server, port);
    },
    close: () => (server.listening ? close() : Promise.resolve()),
    async waitFor(predicate, timeoutMs, what) {
      const until = Date.now() + timeoutMs;
      while (!predicate(received)) {
        if (Date.now() > until)
          throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; got ${received.length} requests`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
  };
}
