/**
 * `npm run build`: the production build in dist/. TypeScript compiled by tsc with
 * tsconfig.build.json (the runtime folders only), the files the runtime reads by path copied
 * beside the code that reads them, and the workflow bundle made once here rather than by every
 * worker at start. Then `node dist/scripts/api.js`, `node dist/scripts/worker.js` and
 * `node dist/scripts/migrate.js` run with the production dependencies alone.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflows, PREBUILT_BUNDLE_FILE } from '../infra/worker';

const ROOT = path.resolve(__dirname, '..');
export const DIST_DIR = path.join(ROOT, 'dist');

/** What the compiled code reads from beside itself (db/migrate.ts, api/app.ts), relative to the repository. */
export const RUNTIME_ASSETS = ['db/migrations', 'api/static'] as const;

function compile(): void {
  const tsc = require.resolve('typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', path.join(ROOT, 'tsconfig.build.json')], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  if (result.status !== 0)
    throw new Error(`tsc -p tsconfig.build.json failed (exit ${result.status ?? result.signal})`);
}

export async function build(log: (line: string) => void = () => undefined): Promise<void> {
  let started = Date.now();
  const step = (what: string) => {
    log(`${what} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    started = Date.now();
  };
  // A file left from an earlier build (a module since deleted) must not ship.
  fs.rmSync(DIST_DIR, { recursive: true, force: true });
  compile();
  step('compiled to dist/');
  for (const asset of RUNTIME_ASSETS)
    fs.cpSync(path.join(ROOT, asset), path.join(DIST_DIR, asset), { recursive: true });
  step(`copied ${RUNTIME_ASSETS.join(', ')}`);
  const bundle = await bundleWorkflows();
  fs.writeFileSync(path.join(DIST_DIR, PREBUILT_BUNDLE_FILE), bundle.code);
  step(`workflow bundle written to dist/${PREBUILT_BUNDLE_FILE} (${Math.round(bundle.code.length / 1024)} KiB)`);
}

if (require.main === module) {
  build((line) => process.stdout.write(`${line}\n`)).catch((error: unknown) => {
    process.stderr.write(`build failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
