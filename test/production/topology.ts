/**
 * The production topology of the profile, owned by the global setup's process: one embedded
 * Postgres, the full Temporal server on it, and the compiled app as separate OS processes
 * (`node dist/scripts/worker.js` twice, `node dist/scripts/api.js` twice). Tests stop and start
 * its parts through a small HTTP control server (control.ts), since only the process that
 * spawned a child sees its exit code.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startEmbeddedPostgres, type RunningPostgres } from '../../infra/postgres';
import {
  POSTGRES_MAX_CONNECTIONS,
  startTemporalProductionServer,
  type ProductionServerOptions,
  type RunningProductionServer,
} from '../../infra/temporal-production-server';

export const ROOT = path.resolve(__dirname, '../..');

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** From the signal to the exit. */
  ms: number;
}

/** A part of the topology a test may stop and start. */
export interface Part {
  start(): Promise<void>;
  stop(signal?: NodeJS.Signals): Promise<Exit>;
  running(): boolean;
}

/** A compiled entry point run as `node dist/scripts/<script>.js`, ready when its log says `marker`. */
export function nodeService(options: {
  name: string;
  script: string;
  env: Record<string, string>;
  logDir: string;
  /** The `msg` of the pino line that says it is up. */
  marker: string;
  timeoutMs?: number;
}): Part & { pid(): number | undefined } {
  let child: ChildProcess | undefined;
  let exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> | undefined;
  const running = () => Boolean(child && child.exitCode === null && child.signalCode === null);
  return {
    running,
    pid: () => (running() ? child!.pid : undefined),
    async start() {
      if (running()) return;
      const log = fs.createWriteStream(path.join(options.logDir, `${options.name}.log`), { flags: 'a' });
      const spawned = spawn(process.execPath, [path.join(ROOT, 'dist', 'scripts', `${options.script}.js`)], {
        cwd: ROOT,
        env: { ...process.env, ...options.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child = spawned;
      exited = new Promise((resolve) => spawned.once('exit', (code, signal) => resolve({ code, signal })));
      void exited.then(() => log.end());
      let seen = '';
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve, reject) => {
        const read = (chunk: Buffer) => {
          log.write(chunk);
          seen = (seen + chunk.toString()).slice(-20_000);
          if (seen.includes(`"msg":"${options.marker}"`)) resolve();
        };
        spawned.stdout!.on('data', read);
        spawned.stderr!.on('data', read);
        void exited!.then((exit) => reject(new Error(`${options.name} exited (${exit.code ?? exit.signal}): ${seen}`)));
        timer = setTimeout(
          () => reject(new Error(`${options.name} not ready in time: ${seen}`)),
          options.timeoutMs ?? 60_000,
        );
      }).finally(() => clearTimeout(timer));
    },
    async stop(signal = 'SIGTERM') {
      if (!child || !exited) throw new Error(`${options.name} was never started`);
      const signalledAt = Date.now();
      if (running()) child.kill(signal);
      return { ...(await exited), ms: Date.now() - signalledAt };
    },
  };
}

/** The embedded Postgres, stopped (a fast shutdown: every connection dropped) and started again on its data. */
export function postgresPart(options: { dataDir: string; port: number; database: string }): Part & {
  url(): string;
} {
  let running: RunningPostgres | undefined;
  let url = '';
  return {
    running: () => running !== undefined,
    url: () => url,
    async start() {
      running ??= await startEmbeddedPostgres({
        ...options,
        persistent: true,
        maxConnections: POSTGRES_MAX_CONNECTIONS,
      });
      url = running.url;
    },
    async stop() {
      const started = Date.now();
      await running?.stop();
      running = undefined;
      return { code: 0, signal: null, ms: Date.now() - started };
    },
  };
}

/** The full Temporal server on that Postgres, stopped with SIGTERM and started again on the same ports. */
export function temporalPart(options: ProductionServerOptions): Part & { address: string } {
  let running: RunningProductionServer | undefined;
  return {
    address: `127.0.0.1:${options.ports.FRONTEND_GRPC_PORT}`,
    running: () => running?.alive() ?? false,
    async start() {
      if (!running?.alive()) running = await startTemporalProductionServer(options);
    },
    async stop() {
      const started = Date.now();
      await running?.stop();
      running = undefined;
      return { code: 0, signal: null, ms: Date.now() - started };
    },
  };
}
