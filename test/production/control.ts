/**
 * The profile's control channel: the global setup's process owns every part of the topology
 * (it spawned them, so it alone sees their exit codes); a test asks it over loopback HTTP to
 * stop or start one (`POST /<part>/stop?signal=SIGKILL`, `POST /<part>/start`) or which run (`GET /`).
 */
import http from 'node:http';
import { listen } from '../../infra/listen';
import type { Exit, Part } from './topology';

/** The parts a test may stop and start, by name. */
export type PartName = 'postgres' | 'temporal' | 'worker-1' | 'worker-2' | 'api-1' | 'api-2';
export const WORKERS = ['worker-1', 'worker-2'] as const;
export const APIS = ['api-1', 'api-2'] as const;

export async function serveControl(parts: Record<PartName, Part>): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://control');
    const [, name, action] = url.pathname.split('/');
    const part = parts[name as PartName];
    const answer = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (request.method === 'GET' && url.pathname === '/')
      return answer(200, Object.fromEntries(Object.entries(parts).map(([key, value]) => [key, value.running()])));
    if (request.method !== 'POST' || !part || (action !== 'start' && action !== 'stop'))
      return answer(404, { error: `no such control: ${request.method} ${url.pathname}` });
    const done =
      action === 'start'
        ? part.start().then(() => ({}))
        : part.stop((url.searchParams.get('signal') ?? 'SIGTERM') as NodeJS.Signals);
    done.then(
      (body) => answer(200, body),
      (error: Error) => answer(500, { error: error.message }),
    );
  });
  const listening = await listen(server, '127.0.0.1', 0);
  return { url: listening.url, close: listening.close };
}

function controlUrl(): string {
  const base = process.env.PRODUCTION_CONTROL_URL;
  if (!base) throw new Error('PRODUCTION_CONTROL_URL is not set: run through `npm run test:production`');
  return base;
}

/** Which parts run now. */
export async function running(): Promise<Record<PartName, boolean>> {
  return (await fetch(controlUrl())).json() as Promise<Record<PartName, boolean>>;
}

/** Asks the global setup's process to stop a part (and answers how it exited) or start it again. */
export async function control(name: PartName, action: 'stop', signal?: NodeJS.Signals): Promise<Exit>;
export async function control(name: PartName, action: 'start'): Promise<void>;
export async function control(name: PartName, action: 'start' | 'stop', signal?: NodeJS.Signals): Promise<Exit | void> {
  const response = await fetch(`${controlUrl()}/${name}/${action}${signal ? `?signal=${signal}` : ''}`, {
    method: 'POST',
  });
  const body = (await response.json()) as Exit & { error?: string };
  if (response.status !== 200) throw new Error(`${action} ${name}: ${body.error}`);
  return action === 'stop' ? (body as Exit) : undefined;
}
