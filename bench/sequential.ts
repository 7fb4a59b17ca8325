/**
 * The end-to-end time of one transition: a few hundred sequential updates through the whole
 * stack (HTTP → Workflow Update → machine → activity → Postgres → answer), one at a time on
 * one deal, with p50/p99 of their latency.
 */
import { randomUUID } from 'node:crypto';
import { postJson } from './lib/load';
import { saveResult, table, type BenchOptions } from './lib/report';
import { startBenchStack } from './lib/stack';
import { percentile, round, sortNumbers } from './lib/stats';

const FACTS = ['source', 'service_fit', 'urgency', 'decision_owner', 'contact_path', 'budget_signal'] as const;

export async function runSequential(options: BenchOptions & { count?: number }) {
  const count = options.count ?? (options.quick ? 100 : 300);
  const stack = await startBenchStack(options.stack);
  try {
    const auth = { authorization: `Bearer ${stack.adminToken}` };
    const created = await postJson(
      `${stack.apiUrl}/v1/opportunities`,
      { title: 'Sequential', company: 'Sequential Co', source: 'referral' },
      auth,
    );
    if (!created.ok) throw new Error(`could not open a deal: ${created.detail}`);
    const id = String(created.json.id);
    const latencies: number[] = [];
    for (let n = 0; n < count + 10; n += 1) {
      const body = { type: 'RECORD_QUALIFICATION', facts: { [FACTS[n % FACTS.length]]: `Fact ${n}` } };
      const started = performance.now();
      const answer = await postJson(`${stack.apiUrl}/v1/opportunities/${id}/events`, body, {
        ...auth,
        'idempotency-key': randomUUID(),
      });
      if (!answer.ok) throw new Error(`update ${n} failed: ${answer.detail}`);
      if (n >= 10) latencies.push(performance.now() - started); // the first ten warm up
    }
    const sorted = sortNumbers(latencies);
    const summary = {
      updates: count,
      p50: round(percentile(sorted, 50)),
      p99: round(percentile(sorted, 99)),
      max: round(sorted.at(-1)!),
      mean: round(latencies.reduce((a, b) => a + b, 0) / count),
    };
    process.stdout.write(
      `\n${table(['updates', 'p50 ms', 'p99 ms', 'max ms', 'mean ms'], [[summary.updates, summary.p50, summary.p99, summary.max, summary.mean]])}\n`,
    );
    saveResult('sequential', options, { summary });
    return summary;
  } finally {
    await stack.stop();
  }
}
