/**
 * Sustained REST transitions per second and p50/p99 latency through the whole stack
 * (HTTP → Workflow Update → machine → activity → Postgres → HTTP answer), next to a plain
 * Express + pg endpoint doing one equivalent write, at 1, 10 and 50 concurrent clients.
 *
 * The events are RECORD_QUALIFICATION facts: legal in every open stage, so they can repeat
 * forever. "many deals": each client owns its own deals and rotates over them; "single
 * deal": every client sends to one deal, so the deal's serialisation is the limit.
 */
import { randomUUID } from 'node:crypto';
import { cpuCores, cpuSnapshot, type CpuGroups } from './lib/cpu';
import { closedLoop, postJson, type LoadResult } from './lib/load';
import { saveResult, table, type BenchOptions } from './lib/report';
import { startBenchStack } from './lib/stack';
import { median, round } from './lib/stats';
import { echoUpdate } from './lib/floor-workflows';

export interface TransitionsOptions extends BenchOptions {
  levels?: number[];
  runs?: number;
  measureMs?: number;
  warmupMs?: number;
  /** Leave out the Temporal floor modes. */
  noFloor?: boolean;
}

type Mode =
  'baseline' | 'stack-many-deals' | 'stack-single-deal' | 'floor-update+activity' | 'floor-update+local-activity';
const MODES: Mode[] = [
  'baseline',
  'stack-many-deals',
  'stack-single-deal',
  'floor-update+activity',
  'floor-update+local-activity',
];
const DEALS_PER_CLIENT = 4;

const FACTS = ['source', 'service_fit', 'urgency', 'decision_owner', 'contact_path', 'budget_signal'] as const;
const eventBody = (n: number) => ({
  type: 'RECORD_QUALIFICATION',
  facts: { [FACTS[n % FACTS.length]]: `Fact ${n} ${randomUUID().slice(0, 8)}` },
});

async function mapLimit<T, R>(items: T[], limit: number, run: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await run(items[index], index);
      }
    }),
  );
  return results;
}

export async function runTransitions(options: TransitionsOptions) {
  const levels = options.levels ?? [1, 10, 50];
  const runs = options.runs ?? (options.quick ? 1 : 3);
  const measureMs = options.measureMs ?? (options.quick ? 3_000 : 10_000);
  const warmupMs = options.warmupMs ?? (options.quick ? 1_000 : 2_000);
  const modes = MODES.filter((mode) => !(options.noFloor && mode.startsWith('floor')));
  const stack = await startBenchStack(options.stack);
  try {
    const auth = { authorization: `Bearer ${stack.adminToken}` };
    const maxClients = Math.max(...levels);
    const dealCount = maxClients * DEALS_PER_CLIENT + 1;
    process.stdout.write(`transitions: opening ${dealCount} deals\n`);
    const deals = await mapLimit(
      Array.from({ length: dealCount }, (_, i) => i),
      20,
      async (i) => {
        const created = await postJson(
          `${stack.apiUrl}/v1/opportunities`,
          { title: `Bench deal ${i}`, company: `Bench Co ${i}`, source: 'referral' },
          auth,
        );
        if (!created.ok) throw new Error(`could not open a deal: ${created.detail}`);
        return String(created.json.id);
      },
    );
    const single = deals.pop()!;
    const baselineIds = Array.from({ length: dealCount }, () => randomUUID());
    await stack.db.$client.query(`insert into bench_baseline_deals (id) select unnest($1::uuid[])`, [baselineIds]);
    baselineIds.pop(); // same count as the stack deals

    // The Temporal floor: trivial workflows answering an update after one no-op activity (regular or local).
    const floorIds = await Promise.all(
      deals.map(
        async () =>
          (
            await stack.temporal.workflow.start('floorWorkflow', {
              taskQueue: stack.floorTaskQueue,
              workflowId: `floor-${randomUUID()}`,
            })
          ).workflowId,
      ),
    );

    const sendFor = (mode: Mode, clients: number) => {
      const perClient = Math.max(1, Math.floor(deals.length / clients));
      const dealOf = (ids: string[], client: number, n: number) =>
        ids[(client * perClient + (n % perClient)) % ids.length];
      return async (client: number, n: number) => {
        const body = eventBody(n);
        const headers = { ...auth, 'idempotency-key': randomUUID() };
        if (mode.startsWith('floor')) {
          await stack.temporal.workflow
            .getHandle(dealOf(floorIds, client, n))
            .executeUpdate(echoUpdate, { args: [{ mode: mode === 'floor-update+activity' ? 'activity' : 'local' }] });
          return { ok: true };
        }
        // Each client keeps to one API process (as a client keeps its connection behind a balancer).
        const at = <T>(urls: T[]) => urls[client % urls.length];
        if (mode === 'baseline')
          return postJson(
            `${at(stack.baselineUrls)}/v1/baseline/${dealOf(baselineIds, client, n)}/events`,
            body,
            headers,
          );
        const id = mode === 'stack-single-deal' ? single : dealOf(deals, client, n);
        return postJson(`${at(stack.apiUrls)}/v1/opportunities/${id}/events`, body, headers);
      };
    };

    const raw: Record<string, (LoadResult & { cpuCores: CpuGroups; run: number })[]> = {};
    for (const clients of levels) {
      for (let run = 1; run <= runs; run += 1) {
        for (const mode of modes) {
          if ((mode === 'stack-single-deal' || mode.startsWith('floor')) && clients === 1 && run > 1) continue; // one run is enough here
          const before = cpuSnapshot(stack.pids);
          const started = performance.now();
          const result = await closedLoop({ clients, warmupMs, measureMs, send: sendFor(mode, clients) });
          const cpu = cpuCores(before, cpuSnapshot(stack.pids), (performance.now() - started) / 1000);
          (raw[`${mode}@${clients}`] ??= []).push({ ...result, cpuCores: cpu, run });
          process.stdout.write(
            `  ${mode.padEnd(18)} clients=${String(clients).padStart(2)} run ${run}: ${result.perSecond.toFixed(1)}/s p50 ${result.p50.toFixed(1)} ms p99 ${result.p99.toFixed(1)} ms errors ${result.errors}${result.firstError ? ` (${result.firstError.slice(0, 120)})` : ''}\n`,
          );
        }
      }
    }

    const summary = levels.flatMap((clients) =>
      modes.map((mode) => {
        const results = raw[`${mode}@${clients}`] ?? [];
        const cpuKeys = [...new Set(results.flatMap((r) => Object.keys(r.cpuCores)))];
        return {
          mode,
          clients,
          runs: results.length,
          perSecond: round(median(results.map((r) => r.perSecond))),
          p50Ms: round(median(results.map((r) => r.p50))),
          p99Ms: round(median(results.map((r) => r.p99))),
          errors: results.reduce((sum, r) => sum + r.errors, 0),
          cpuCores: Object.fromEntries(
            cpuKeys.map((k) => [k, round(median(results.map((r) => r.cpuCores[k] ?? 0)), 2)]),
          ),
        };
      }),
    );
    const ratios = levels.map((clients) => {
      const base = summary.find((s) => s.mode === 'baseline' && s.clients === clients)!;
      const many = summary.find((s) => s.mode === 'stack-many-deals' && s.clients === clients)!;
      const single = summary.find((s) => s.mode === 'stack-single-deal' && s.clients === clients)!;
      const floor = summary.find((s) => s.mode === 'floor-update+activity' && s.clients === clients);
      return {
        clients,
        manyDealsToBaseline: round(many.perSecond / base.perSecond, 3),
        singleDealToBaseline: round(single.perSecond / base.perSecond, 3),
        // What the issue's goal reads: the stack against the least a transition costs on this Temporal.
        manyDealsToFloor: floor ? round(many.perSecond / floor.perSecond, 2) : null,
      };
    });

    process.stdout.write(
      `\nTransitions on the ${stack.topology} topology (median of ${runs} run(s), ${measureMs / 1000} s measured after ${warmupMs / 1000} s warm-up)\n`,
    );
    process.stdout.write(
      `${table(
        ['clients', 'mode', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'cores: worker/api/postgres/temporal/load'],
        summary.map((s) => [
          s.clients,
          s.mode,
          s.perSecond,
          s.p50Ms,
          s.p99Ms,
          s.errors,
          ['worker', 'api', 'postgres', 'temporal', 'load+main']
            .map((k) => (s.cpuCores[k] ?? 0).toFixed(2))
            .join(' / '),
        ]),
      )}\n\n`,
    );
    process.stdout.write(
      `${table(
        ['clients', 'many deals / baseline', 'single deal / baseline', 'many deals / floor'],
        ratios.map((r) => [
          r.clients,
          r.manyDealsToBaseline.toFixed(3),
          r.singleDealToBaseline.toFixed(3),
          r.manyDealsToFloor?.toFixed(2) ?? '-',
        ]),
      )}\n`,
    );

    return saveResult('transitions', options, {
      settings: {
        topology: stack.topology,
        workers: stack.pids.workers.length,
        apis: stack.pids.apis.length,
        levels,
        runs,
        measureMs,
        warmupMs,
        event: 'RECORD_QUALIFICATION with a fresh Idempotency-Key per request',
        dealsPerClient: DEALS_PER_CLIENT,
        stack: options.stack ?? {},
      },
      summary,
      ratios,
      runs: raw,
    });
  } finally {
    await stack.stop();
  }
}
