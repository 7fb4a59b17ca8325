import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../../infra/ports';
import { httpClient } from '../../support/http';

const root = path.resolve(__dirname, '../../..');
jest.setTimeout(240_000);

interface Started {
  child: ChildProcess;
  output: () => string;
  apiUrl: string;
  adminToken?: string;
}

async function npmStart(env: NodeJS.ProcessEnv): Promise<Started> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: false,
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const deadline = Date.now() + 180_000;
  while (!/READY in \d+ ms/.test(output)) {
    if (child.exitCode !== null) throw new Error(`npm start exited ${child.exitCode}:\n${output}`);
    if (Date.now() > deadline) throw new Error(`npm start did not reach READY:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const apiUrl = /API\s+(http:\S+)\/v1/.exec(output)![1];
  const adminToken = /Admin token\s+(\S+)/.exec(output)?.[1];
  return { child, output: () => output, apiUrl, adminToken };
}

async function stop(started: Started): Promise<number | null> {
  started.child.kill('SIGTERM');
  return new Promise((resolve) => started.child.once('exit', (code) => resolve(code)));
}

describe('npm start on embedded defaults', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'opportunity-path-start-'));
  fs.chmodSync(dataDir, 0o755);
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('starts Postgres, Temporal with its UI, the worker and the API, prints the URLs, stops cleanly, and finds the same deals again', async () => {
    const ports = {
      PORT: await freePort(),
      EMBEDDED_POSTGRES_PORT: await freePort(),
      TEMPORAL_PORT: await freePort(),
      TEMPORAL_UI_PORT: await freePort(),
    };
    const env = {
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      DATABASE_URL: '',
      TEMPORAL_ADDRESS: '',
      ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])),
    };
    const first = await npmStart(env);
    expect(first.output()).toContain(`Temporal UI    http://127.0.0.1:${ports.TEMPORAL_UI_PORT}`);
    expect(first.output()).toContain(`${first.apiUrl}/docs`);
    expect(first.adminToken).toBeDefined();
    const ready = await httpClient(first.apiUrl).get('/health/ready');
    expect(ready.status).toBe(200);
    const ui = await fetch(`http://127.0.0.1:${ports.TEMPORAL_UI_PORT}/`);
    expect(ui.status).toBe(200);

    const api = httpClient(first.apiUrl, first.adminToken);
    const created = await api.post('/v1/opportunities', { title: 'Persisted deal', company: 'Keepsafe Ltd' });
    expect(created.status).toBe(201);
    expect(await stop(first)).toBe(0);
    expect(first.output()).toContain('Stopped cleanly');

    const second = await npmStart(env);
    expect(second.adminToken).toBeUndefined(); // the admin exists already: no new token
    const again = await httpClient(second.apiUrl, first.adminToken).get(`/v1/opportunities/${created.body.id}`);
    expect(again.status).toBe(200);
    expect(again.body.company).toBe('Keepsafe Ltd');
    const handle = await fetch(`${second.apiUrl}/health/ready`);
    expect(handle.status).toBe(200);
    expect(await stop(second)).toBe(0);
  });

  it('stops with a message naming an invalid setting', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
      cwd: root,
      env: { ...process.env, PORT: 'abc' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stderr!.on('data', (chunk) => (output += chunk));
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code).toBe(78);
    expect(output).toContain('PORT');
  });
});
