import type http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Listening {
  url: string;
  port: number;
  /** Stops accepting connections, ends idle ones, and resolves once the open ones are done. */
  close(): Promise<void>;
}

const IDLE_SWEEP_MS = 100;

/** Listens on `host:port` (0: any free port); rejects when the port is taken. */
export async function listen(server: http.Server, host: string, port: number): Promise<Listening> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${bound}`,
    port: bound,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // A connection busy at close goes idle once its answer is sent: it is closed then, not
      // after the keep-alive timeout (a minute), which would outlast a container's stop grace.
      const sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
      await closed.finally(() => clearInterval(sweep));
    },
  };
}
