/**
 * npm run bench [-- <name>...] [--quick] [--cpu-prof] [--worker-options '{"maxConcurrentWorkflowTaskExecutions":20}']
 *   names: transitions, open-deals, full-path, sequential, search, webhooks (default: all, in that order)
 *   --quick         short runs (one run, few seconds, 200 open deals, 200 webhook events)
 *   --no-floor      transitions without the Temporal floor modes (trivial workflow + no-op activity)
 *   --cpu-prof      V8 CPU profiles of the worker and API processes, summarised (bench/results/profile-*.txt)
 *   --open-deals=N  a list like 1000,10000 (default 1000,10000; quick 200)
 *   --topology=production  the full Temporal server on Postgres with two workers and two APIs (default dev)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runSequential } from './sequential';
import { runFullPath } from './full-path';
import { runSearch } from './search';
import { runOpenDeals } from './open-deals';
import { summariseProfiles } from './lib/profile';
import { warnIfBusy } from './lib/report';
import { TOPOLOGIES, type Topology } from './lib/stack';
import { runTransitions } from './transitions';
import { runWebhooks } from './webhooks';

const BENCHES = ['transitions', 'open-deals', 'full-path', 'sequential', 'search', 'webhooks'] as const;
type BenchName = (typeof BENCHES)[number];

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const flag = (name: string) => args.includes(`--${name}`);
  const value = (name: string) => {
    const inline = args.find((a) => a.startsWith(`--${name}=`));
    if (inline) return inline.slice(name.length + 3);
    const at = args.indexOf(`--${name}`);
    return at >= 0 ? args[at + 1] : undefined;
  };
  const quick = flag('quick');
  const names = args.filter((a) => (BENCHES as readonly string[]).includes(a)) as BenchName[];
  const unknown = args.filter(
    (a) =>
      !a.startsWith('--') &&
      !(BENCHES as readonly string[]).includes(a) &&
      a !== value('worker-options') &&
      a !== value('open-deals') &&
      a !== value('topology'),
  );
  if (unknown.length) {
    process.stderr.write(`unknown bench ${unknown.join(', ')}; choose from ${BENCHES.join(', ')}\n`);
    process.exit(2);
  }
  const workerOptions = value('worker-options')
    ? (JSON.parse(value('worker-options')!) as Record<string, unknown>)
    : undefined;
  const topology = (value('topology') ?? 'dev') as Topology;
  if (!TOPOLOGIES.includes(topology)) {
    process.stderr.write(`unknown topology ${topology}; choose from ${TOPOLOGIES.join(', ')}\n`);
    process.exit(2);
  }
  const cpuProfDir = flag('cpu-prof') ? fs.mkdtempSync(path.join(os.tmpdir(), 'opportunity-path-prof-')) : undefined;
  const stack = { workerOptions, cpuProfDir, topology };
  // Each topology and tuning writes files of its own, so no run replaces another's figures.
  const suffix = `${topology === 'dev' ? '' : `-${topology}`}${workerOptions ? '-tuned' : ''}`;
  const started = Date.now();
  for (const name of names.length ? names : BENCHES) {
    process.stdout.write(`\n=== ${name}${quick ? ' (quick)' : ''} ===\n`);
    warnIfBusy();
    if (name === 'transitions')
      await runTransitions({
        quick,
        stack,
        noFloor: flag('no-floor'),
        resultName: `transitions${quick ? '-quick' : ''}${suffix}`,
      });
    if (name === 'open-deals') {
      const counts = value('open-deals')?.split(',').map(Number) ?? (quick ? [200] : [1_000, 10_000]);
      // A run with its own counts writes a file of its own, so it never replaces the default run's figures.
      const countsSuffix = value('open-deals') ? `-${counts.join('-')}` : '';
      await runOpenDeals({
        quick,
        counts,
        stack,
        resultName: `open-deals${quick ? '-quick' : ''}${countsSuffix}${suffix}`,
      });
    }
    if (name === 'sequential')
      await runSequential({ quick, stack, resultName: `sequential${quick ? '-quick' : ''}${suffix}` });
    if (name === 'full-path')
      await runFullPath({ quick, stack, resultName: `full-path${quick ? '-quick' : ''}${suffix}` });
    if (name === 'search') await runSearch({ quick, stack, resultName: `search${quick ? '-quick' : ''}${suffix}` });
    if (name === 'webhooks')
      await runWebhooks({ quick, stack, resultName: `webhooks${quick ? '-quick' : ''}${suffix}` });
    if (cpuProfDir) {
      process.stdout.write(summariseProfiles(cpuProfDir, `profile-${name}${suffix}`));
      for (const entry of fs.readdirSync(cpuProfDir))
        fs.rmSync(path.join(cpuProfDir, entry), { recursive: true, force: true });
    }
  }
  if (cpuProfDir) fs.rmSync(cpuProfDir, { recursive: true, force: true });
  process.stdout.write(`\nbench done in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
  process.exit(0);
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});
