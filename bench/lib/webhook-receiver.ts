/**
 * A slow webhook receiver for the delivery bench: it answers every POST with 200 after a fixed
 * delay (a receiver doing some work), and counts the requests of each `webhook-id`, so the bench
 * can tell a duplicate or a missing delivery apart. It verifies nothing: the tests check signatures.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SlowReceiver {
  url: string;
  delayMs: number;
  /** Requests received per `webhook-id` header (the empty string for a request without one). */
  countsById: Map<string, number>;
  close(): Promise<void>;
}

export async function startSlowReceiver(delayMs: number): Promise<SlowReceiver> {
  const countsById = new Map<string, number>();
  const server = http.createServer((req, res) => {
    // Read the body to its end, as a real receiver would before answering.
    req.resume();
    req.on('end', () => {
      const id = String(req.headers['webhook-id'] ?? '');
      countsById.set(id, (countsById.get(id) ?? 0) + 1);
      setTimeout(() => res.writeHead(200, { 'content-type': 'text/plain' }).end('ok'), delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    delayMs,
    countsById,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
