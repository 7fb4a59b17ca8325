import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** The only Temporal CLI release that `go install` can build (later ones carry a `replace`). */
export const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';
export const REPO_ROOT = path.resolve(__dirname, '..');
export const LOCAL_TEMPORAL_BIN = path.join(REPO_ROOT, '.tools', 'bin', 'temporal');

export type TemporalCliSource = { kind: 'env' | 'path' | 'tools' | 'built'; path: string } | { kind: 'download' };

function onPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, command);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // keep looking
    }
  }
  return undefined;
}

/**
 * Finds the Temporal CLI in this order: TEMPORAL_CLI_PATH, `temporal` on PATH,
 * .tools/bin/temporal, a `go install` build when Go exists, else the SDK's download.
 */
export function resolveTemporalCli(
  options: { cliPath?: string; log?: (line: string) => void } = {},
): TemporalCliSource {
  const log = options.log ?? (() => undefined);
  if (options.cliPath) {
    if (!fs.existsSync(options.cliPath)) throw new Error(`TEMPORAL_CLI_PATH: no file at ${options.cliPath}`);
    return { kind: 'env', path: options.cliPath };
  }
  const fromPath = onPath('temporal');
  if (fromPath) return { kind: 'path', path: fromPath };
  if (fs.existsSync(LOCAL_TEMPORAL_BIN)) return { kind: 'tools', path: LOCAL_TEMPORAL_BIN };
  const go = onPath('go');
  if (go) {
    log(`Building the Temporal CLI with go install ${TEMPORAL_CLI_MODULE} (about 7 minutes on 2 cores, once)…`);
    const started = Date.now();
    const result = spawnSync(go, ['install', TEMPORAL_CLI_MODULE], {
      env: { ...process.env, GOBIN: path.dirname(LOCAL_TEMPORAL_BIN) },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    if (result.status === 0 && fs.existsSync(LOCAL_TEMPORAL_BIN)) {
      log(`Temporal CLI built in ${Math.round((Date.now() - started) / 1000)} s at .tools/bin/temporal`);
      return { kind: 'built', path: LOCAL_TEMPORAL_BIN };
    }
    log('go install failed; falling back to the SDK download');
  }
  return { kind: 'download' };
}
