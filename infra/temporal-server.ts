import fs from 'node:fs';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DEAL_SEARCH_ATTRIBUTES } from '../workflows/deal/search-attributes';
import { installTemporalRuntime } from './runtime';
import { resolveTemporalCli } from './temporal-cli';
import { dynamicConfigArgs } from './temporal-dynamic-config';

export interface RunningTemporal {
  address: string;
  uiUrl: string | undefined;
  namespace: string;
  stop(): Promise<void>;
}

export interface DevServerOptions {
  cliPath?: string;
  /** SQLite file; omitted means in memory. */
  dbFile?: string;
  ip?: string;
  port?: number;
  ui?: boolean;
  uiPort?: number;
  namespace?: string;
  log?: (line: string) => void;
}

/** Starts the Temporal CLI dev server with the project's search attributes registered. */
export async function startTemporalDevServer(options: DevServerOptions = {}): Promise<RunningTemporal> {
  const source = resolveTemporalCli({ cliPath: options.cliPath, log: options.log });
  if (options.dbFile) fs.mkdirSync(path.dirname(options.dbFile), { recursive: true });
  const namespace = options.namespace ?? 'default';
  const ip = options.ip ?? '127.0.0.1';
  installTemporalRuntime();
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable:
        source.kind === 'download' ? { type: 'cached-download' } : { type: 'existing-path', path: source.path },
      ip,
      port: options.port,
      ui: options.ui ?? false,
      uiPort: options.ui ? options.uiPort : undefined,
      dbFilename: options.dbFile,
      namespace,
      searchAttributes: [...DEAL_SEARCH_ATTRIBUTES],
      extraArgs: ['--log-level', 'error', ...dynamicConfigArgs()],
    },
  });
  const address = env.address;
  return {
    address,
    namespace,
    uiUrl: options.ui && options.uiPort ? `http://${ip}:${options.uiPort}` : undefined,
    stop: () => env.teardown(),
  };
}
