/**
 * N open deal workflows on the stack's workers (one on the dev topology, two on production), each with a pending timer (its next action falls
 * due at a planned time): the start rate, the worker's RSS before, after the starts and
 * after the timers fired (after a full GC; plus a sampled curve without GC), and timer
 * lateness = the overdue task's created_at (Postgres) minus the next action's dueAt.
 *
 * Due times are spread over a firing window that opens after all deals have started (estimated
 * from a 100-deal calibration), at 80% of the calibrated start rate (at most 100/s), so
 * lateness measures timers rather than a backlog. 10,000 deals take about 8-10 minutes here.
 */
import fs from 'node:fs';
import { randomUUID } from 'node:crypto';
import { saveResult, table, type BenchOptions } from './lib/report';
import { startBenchStack, type BenchStack, type MemoryStats } from './lib/stack';
import { percentile, round, sortNumbers } from './lib/stats';
import { timerBreakdown } from './lib/timer-breakdown';

const MiB = 2 ** 20;
const OPEN_CONCURRENCY = 32;

function rssOf(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
}

/** The workers' RSS added up: on two workers the deals, and their caches, are shared between them. */
const workersRss = (stack: BenchStack) => stack.pids.workers.reduce((sum, pid) => sum + rssOf(pid), 0);

/** The workers' memory after a full GC, added up, with each worker's RSS beside it. */
async function workersMemory(stack: BenchStack): Promise<MemoryStats & { rssEach: number[] }> {
  const each = await stack.workerStats();
  const sum = (key: keyof MemoryStats) => each.reduce((total, stats) => total + stats[key], 0);
  return { rss: sum('rss'), heapUsed: sum('heapUsed'), external: sum('external'), rssEach: each.map((s) => s.rss) };
}

async function openDeals(
  stack: BenchStack,
  dueAts: number[],
  label: string,
): Promise<{ ids: string[]; seconds: number }> {
  const ids = dueAts.map(() => randomUUID());
  let next = 0;
  const started = performance.now();
  let lastReport = started;
  await Promise.all(
    Array.from({ length: Math.min(OPEN_CONCURRENCY, ids.length) }, async () => {
      while (next < ids.length) {
        const i = next++;
        await stack.deals.open({
          opportunityId: ids[i],
          title: `Open deal ${i}`,
          company: `${label} ${i}`,
          ownerId: 'rep-bench',
          source: 'referral',
          createdAt: new Date().toISOString(),
          nextAction: { description: `Call back ${i}`, dueAt: new Date(dueAts[i]).toISOString(), ownerId: 'rep-bench' },
        });
        if (performance.now() - lastReport > 10_000) {
          lastReport = performance.now();
          process.stdout.write(
            `    ${next}/${ids.length} started, ${(next / ((lastReport - started) / 1000)).toFixed(0)}/s, worker RSS ${(workersRss(stack) / MiB).toFixed(0)} MiB\n`,
          );
        }
      }
    }),
  );
  return { ids, seconds: (performance.now() - started) / 1000 };
}

async function runOne(count: number, options: BenchOptions) {
  const stack = await startBenchStack(options.stack);
  const rssCurve: { t: number; rssMiB: number }[] = [];
  const t0 = Date.now();
  const sampler = setInterval(
    () => rssCurve.push({ t: Math.round((Date.now() - t0) / 1000), rssMiB: round(workersRss(stack) / MiB) }),
    5_000,
  );
  try {
    // Warm-up and calibration: deals due tomorrow, never fire during the bench.
    const warm = await openDeals(
      stack,
      Array.from({ length: 100 }, () => Date.now() + 86_400_000),
      'Warm-up',
    );
    const calibratedRate = 100 / warm.seconds;
    const before = await workersMemory(stack);

    const fireRate = Math.min(100, calibratedRate * 0.8);
    const fireStart = Date.now() + ((1.2 * count) / calibratedRate) * 1000 + 10_000;
    const fireWindowS = count / fireRate;
    const dueAts = Array.from({ length: count }, (_, i) => Math.round(fireStart + (i / count) * fireWindowS * 1000));
    process.stdout.write(
      `  ${count} deals: calibrated start rate ${calibratedRate.toFixed(0)}/s; timers fire from +${((fireStart - Date.now()) / 1000).toFixed(0)} s over ${fireWindowS.toFixed(0)} s\n`,
    );
    const opened = await openDeals(stack, dueAts, 'Open deals');
    const startRate = count / opened.seconds;
    const firedDuringStart = Date.now() > fireStart;
    const afterStart = await workersMemory(stack);
    process.stdout.write(
      `  started ${count} in ${opened.seconds.toFixed(1)} s (${startRate.toFixed(0)}/s); worker RSS ${(before.rss / MiB).toFixed(0)} → ${(afterStart.rss / MiB).toFixed(0)} MiB\n`,
    );

    const idSet = opened.ids;
    const dueById = new Map(idSet.map((id, i) => [id, dueAts[i]]));
    const deadline = fireStart + fireWindowS * 1000 + 120_000;
    let fired: { opportunity_id: string; created_ms: string }[] = [];
    for (;;) {
      const { rows } = await stack.db.$client.query<{ opportunity_id: string; created_ms: string }>(
        `select opportunity_id, (extract(epoch from created_at) * 1000)::bigint::text as created_ms from tasks where kind = 'next_action_overdue' and opportunity_id = any($1::uuid[])`,
        [idSet],
      );
      fired = rows;
      if (fired.length >= count || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 2_000));
    }
    const lateness = sortNumbers(fired.map((r) => Number(r.created_ms) - dueById.get(r.opportunity_id)!));
    const afterFire = await workersMemory(stack);
    const breakdown = await timerBreakdown(stack.temporal, dueById);
    process.stdout.write(
      `  lateness by phase (${breakdown.sampled} deals sampled), p50/p99 ms: ${(['server', 'pickup', 'workflowTask', 'activity'] as const).map((p) => `${p} ${breakdown[p].p50}/${breakdown[p].p99}`).join(', ')}\n`,
    );
    const cachedLimit = (options.stack?.workerOptions?.maxCachedWorkflows as number | undefined) ?? 'default';
    const result = {
      deals: count,
      startSeconds: round(opened.seconds),
      startRatePerSecond: round(startRate),
      fireWindowSeconds: round(fireWindowS),
      fireRatePerSecond: round(fireRate),
      firedDuringStart,
      timersFired: fired.length,
      latenessByPhaseMs: breakdown,
      latenessMs: {
        p50: round(percentile(lateness, 50)),
        p99: round(percentile(lateness, 99)),
        max: round(lateness[lateness.length - 1] ?? NaN),
        min: round(lateness[0] ?? NaN),
      },
      workerMemoryMiB: {
        before: round(before.rss / MiB),
        afterStart: round(afterStart.rss / MiB),
        afterFire: round(afterFire.rss / MiB),
        growthAfterStart: round((afterStart.rss - before.rss) / MiB),
        growthPerDealKiB: round((afterStart.rss - before.rss) / 1024 / count, 2),
        heapUsedBefore: round(before.heapUsed / MiB),
        heapUsedAfterStart: round(afterStart.heapUsed / MiB),
        heapUsedAfterFire: round(afterFire.heapUsed / MiB),
        eachWorkerAfterFire: afterFire.rssEach.map((rss) => round(rss / MiB)),
      },
      topology: stack.topology,
      workers: stack.pids.workers.length,
      maxCachedWorkflows: cachedLimit,
      rssCurve,
    };
    return result;
  } finally {
    clearInterval(sampler);
    await stack.stop();
  }
}

export async function runOpenDeals(options: BenchOptions & { counts: number[] }) {
  const results = [];
  for (const count of options.counts) results.push(await runOne(count, options));
  const topology = options.stack?.topology ?? 'dev';
  process.stdout.write(`\nOpen deals with a pending timer, ${topology} topology (RSS of all its workers)\n`);
  process.stdout.write(
    `${table(
      [
        'deals',
        'start/s',
        'RSS before MiB',
        'after start',
        'after fire',
        'growth/deal KiB',
        'heap after start',
        'fired',
        'late p50 ms',
        'late p99 ms',
        'late max ms',
      ],
      results.map((r) => [
        r.deals,
        r.startRatePerSecond,
        r.workerMemoryMiB.before,
        r.workerMemoryMiB.afterStart,
        r.workerMemoryMiB.afterFire,
        r.workerMemoryMiB.growthPerDealKiB.toFixed(2),
        r.workerMemoryMiB.heapUsedAfterStart,
        `${r.timersFired}/${r.deals}`,
        r.latenessMs.p50,
        r.latenessMs.p99,
        r.latenessMs.max,
      ]),
    )}\n`,
  );
  return saveResult('open-deals', options, { settings: { stack: options.stack ?? {} }, results });
}
