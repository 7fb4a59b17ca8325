/**
 * The cost of one deal's full path from lead to handed_off: wall time, updates sent,
 * history events (deal workflow + handoff child), and rows it leaves in Postgres.
 * Driven through the deal gateway (the API's door into Temporal) with the happy-path
 * script the tests use (fixtures/deal-events.ts).
 */
import { randomUUID } from 'node:crypto';
import { getOpportunity } from '../db/queries/opportunities';
import { stepsUpTo, type Actor } from '../fixtures/deal-events';
import { dealOpening } from '../fixtures/deal-opening';
import { dealWorkflowId, handoffWorkflowId } from '../workflows/deal/messages';
import { saveResult, table, type BenchOptions } from './lib/report';
import { startBenchStack } from './lib/stack';
import { median, round } from './lib/stats';

const REP: Actor = { id: 'rep-bench', role: 'rep' };
const OPS: Actor = { id: 'ops-bench', role: 'ops' };

async function rowsOf(db: import('../db/client').Db, opportunityId: string): Promise<Record<string, number>> {
  const { rows: tables } = await db.$client.query<{ table_name: string }>(
    `select table_name from information_schema.columns where column_name = 'opportunity_id' and table_schema = 'public' order by table_name`,
  );
  const counts: Record<string, number> = { opportunities: 1 };
  for (const { table_name } of tables) {
    const { rows } = await db.$client.query(
      `select count(*)::int as n from "${table_name}" where opportunity_id = $1`,
      [opportunityId],
    );
    if (rows[0].n > 0) counts[table_name] = rows[0].n;
  }
  const clients = await db.$client
    .query(`select count(*)::int as n from clients where key like $1`, [`${opportunityId}:%`])
    .catch(() => ({ rows: [{ n: 0 }] }));
  if (clients.rows[0].n > 0) counts.clients = clients.rows[0].n;
  return counts;
}

export async function runFullPath(options: BenchOptions & { runs?: number }) {
  const runs = options.runs ?? (options.quick ? 2 : 7);
  const stack = await startBenchStack(options.stack);
  try {
    const samples: {
      wallMs: number;
      toWonMs: number;
      handoffMs: number;
      updates: number;
      historyEvents: number;
      handoffHistoryEvents: number;
      rows: Record<string, number>;
      totalRows: number;
    }[] = [];
    for (let run = 0; run <= runs; run += 1) {
      const opportunityId = randomUUID();
      const started = performance.now();
      await stack.deals.open(
        dealOpening(opportunityId, {
          title: 'Lead-flow automation',
          company: `Full path ${run}`,
          ownerId: REP.id,
          firstAction: { description: 'Qualify this lead' },
        }),
      );
      const events = stepsUpTo('won', REP, OPS);
      for (const { event, attachments } of events)
        await stack.deals.apply(opportunityId, event, { requestId: randomUUID(), attachments });
      const won = performance.now();
      const result = await stack.temporal.workflow.getHandle(dealWorkflowId(opportunityId)).result();
      for (;;) {
        if ((await getOpportunity(stack.db, opportunityId))?.stage === 'handed_off') break;
        await new Promise((r) => setTimeout(r, 5));
      }
      const done = performance.now();
      if (result.stage !== 'handed_off') throw new Error(`the deal ended at ${result.stage}`);
      const history = await stack.temporal.workflow.getHandle(dealWorkflowId(opportunityId)).fetchHistory();
      const handoffHistory = await stack.temporal.workflow.getHandle(handoffWorkflowId(opportunityId)).fetchHistory();
      const rows = await rowsOf(stack.db, opportunityId);
      const sample = {
        wallMs: done - started,
        toWonMs: won - started,
        handoffMs: done - won,
        updates: events.length + 1,
        historyEvents: history.events?.length ?? 0,
        handoffHistoryEvents: handoffHistory.events?.length ?? 0,
        rows,
        totalRows: Object.values(rows).reduce((a, b) => a + b, 0),
      };
      if (run > 0) samples.push(sample); // run 0 warms the worker up
      process.stdout.write(
        `  run ${run}${run === 0 ? ' (warm-up)' : ''}: ${sample.wallMs.toFixed(0)} ms, ${sample.historyEvents}+${sample.handoffHistoryEvents} history events, ${sample.totalRows} rows\n`,
      );
    }
    const summary = {
      runs,
      wallMs: round(median(samples.map((s) => s.wallMs))),
      toWonMs: round(median(samples.map((s) => s.toWonMs))),
      handoffMs: round(median(samples.map((s) => s.handoffMs))),
      updatesIncludingOpen: samples[0].updates,
      msPerUpdate: round(median(samples.map((s) => s.toWonMs / s.updates))),
      dealHistoryEvents: median(samples.map((s) => s.historyEvents)),
      handoffHistoryEvents: median(samples.map((s) => s.handoffHistoryEvents)),
      totalRows: median(samples.map((s) => s.totalRows)),
      rows: samples[0].rows,
    };
    process.stdout.write(`\nFull path lead → handed_off (median of ${runs})\n`);
    process.stdout.write(
      `${table(
        ['wall ms', 'to won ms', 'handoff ms', 'updates', 'ms/update', 'history (deal+handoff)', 'DB rows'],
        [
          [
            summary.wallMs,
            summary.toWonMs,
            summary.handoffMs,
            summary.updatesIncludingOpen,
            summary.msPerUpdate,
            `${summary.dealHistoryEvents}+${summary.handoffHistoryEvents}`,
            summary.totalRows,
          ],
        ],
      )}\n`,
    );
    process.stdout.write(
      `rows: ${Object.entries(summary.rows)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')}\n`,
    );
    return saveResult('full-path', options, { summary, samples });
  } finally {
    await stack.stop();
  }
}
