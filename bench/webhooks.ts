/**
 * NT1: webhook delivery through a slow receiver (one that answers 200 after DELAY_MS). One
 * subscription to `deal.created` with maxConcurrency CONCURRENCY; each event goes the real way:
 * the trigger writes the outbox row and NOTIFYs, the worker's kicker wakes the subscription's
 * dispatcher workflow, which runs one `deliverWebhook` activity per delivery, at most its cap at once.
 *
 * - floor (the baseline, same run): the same receiver, the same number of signed bodies posted
 *   directly (payload, signature and node:http post of notifications/) by CONCURRENCY loops; the
 *   most any sender could get out of this receiver at that concurrency.
 * - live: the events are deals created through the HTTP API by HTTP_CLIENTS clients, so deliveries
 *   run while events arrive; throughput cannot exceed the rate deals are created.
 * - burst: the same number of deals inserted in one statement (the same trigger writes the events),
 *   so the dispatcher starts with all of them pending: its throughput against the floor's.
 *
 * Per mode: throughput (deliveries acknowledged per second, first event to last acknowledgement,
 * from the rows), lag from the event (occurred_at) to its first attempt and to its acknowledgement
 * (completed_at), each delivery's count at the receiver (exactly once), and where the time went,
 * from the dispatcher's histories (dispatch-breakdown.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import { WEBHOOK_PAYLOAD_VERSION } from '../machines/opportunity/notifications';
import { postWebhook } from '../notifications/http-post';
import { webhookPayload } from '../notifications/payload';
import { newWebhookSecret } from '../notifications/secrets';
import { webhookHeaders } from '../notifications/signing';
import { dispatchWorkflowId, webhookChannel } from '../workflows/notify/messages';
import { cpuCores, cpuSnapshot, type CpuGroups } from './lib/cpu';
import { dispatcherEvents, dispatcherWindow } from './lib/dispatch-breakdown';
import { postJson } from './lib/load';
import { saveResult, table, type BenchOptions } from './lib/report';
import { startBenchStack, type BenchStack } from './lib/stack';
import { percentile, round, sortNumbers } from './lib/stats';
import { startSlowReceiver, type SlowReceiver } from './lib/webhook-receiver';

const DELAY_MS = 100;
const CONCURRENCY = 16;
const HTTP_CLIENTS = 4;
/** Longest wait for a mode's deliveries: far beyond any rate this machine has shown. */
const WAIT_LIMIT_MS = 600_000;
const ALLOWED = { allowedHosts: ['127.0.0.1'] };

type Spread = { p50: number; p99: number };
const spread = (values: number[]): Spread => {
  const sorted = sortNumbers(values);
  return { p50: round(percentile(sorted, 50)), p99: round(percentile(sorted, 99)) };
};

/** Busy and total jiffies of the whole machine (/proc/stat), to tell the bench's CPU from everyone's. */
function machineTicks(): { busy: number; total: number } {
  const [, ...fields] = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const values = fields.map(Number);
  const idle = values[3] + values[4];
  const total = values.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

/** The baseline: the same receiver at the same concurrency, signed bodies posted straight from here. */
async function floorRun(receiver: SlowReceiver, count: number) {
  const secret = newWebhookSecret();
  const latencies: number[] = [];
  let failed = 0;
  let next = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  const loop = async () => {
    while (next < count) {
      const n = next++;
      const body = JSON.stringify(
        webhookPayload(
          {
            id: `floor-${n}`,
            type: 'deal.created',
            occurredAt: new Date(),
            actorId: null,
            data: { deal: { id: `floor-deal-${n}`, stage: 'lead', ownerId: 'bench-owner' } },
            deal: { id: `floor-deal-${n}`, title: `Floor deal ${n}`, company: `Floor Co ${n}` },
            people: { 'bench-owner': 'Bench Owner' },
          },
          { internal: false, baseUrl: 'http://127.0.0.1' },
        ),
      );
      const sent = performance.now();
      const headers = webhookHeaders({
        id: `msg_floor_${n}`,
        timestamp: Math.floor(Date.now() / 1000),
        body,
        secrets: [secret],
      });
      const result = await postWebhook({ url: receiver.url, headers, body, timeoutMs: 10_000, policy: ALLOWED });
      latencies.push(performance.now() - sent);
      if (!result.ok) failed += 1;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, loop));
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return {
    deliveries: count,
    failed,
    seconds: round(seconds, 2),
    perSecond: round(count / seconds),
    latencyMs: spread(latencies),
    /** CPU of this process (sender and receiver) per delivery. */
    cpuMsPerDelivery: round((used.user + used.system) / 1000 / count, 2),
  };
}

/** `count` deals through POST /v1/opportunities by HTTP_CLIENTS clients; their ids and the rate. */
async function dealsOverHttp(stack: BenchStack, count: number): Promise<{ ids: string[]; perSecond: number }> {
  const auth = { authorization: `Bearer ${stack.adminToken}` };
  const ids: string[] = [];
  let next = 0;
  const started = performance.now();
  const client = async () => {
    while (next < count) {
      const n = next++;
      const created = await postJson(
        `${stack.apiUrl}/v1/opportunities`,
        { title: `Webhook bench ${n}`, company: `Receiver Co ${n}`, source: 'referral' },
        auth,
      );
      if (!created.ok) throw new Error(`deal ${n} was not created: ${created.detail}`);
      ids.push(String(created.json.id));
    }
  };
  await Promise.all(Array.from({ length: HTTP_CLIENTS }, client));
  return { ids, perSecond: round(count / ((performance.now() - started) / 1000)) };
}

/** `count` deals in one INSERT: the trigger writes all their events and deliveries in one transaction. */
async function dealsAtOnce(stack: BenchStack, count: number): Promise<string[]> {
  const { rows } = await stack.db.$client.query<{ id: string }>(
    `INSERT INTO opportunities (id, workflow_id, title, company, owner_id, snapshot, version)
     SELECT id, 'opportunity-' || id, 'Burst deal ' || g, 'Burst Co ' || g, 'bench-owner', '{}'::jsonb, 1
       FROM (SELECT g, gen_random_uuid() AS id FROM generate_series(1, $1::int) AS g) AS deals
     RETURNING id`,
    [count],
  );
  return rows.map((row) => row.id);
}

interface DeliveryRow {
  id: string;
  notificationId: string;
  /** The events' order (they share occurred_at when written in one transaction). */
  seq: number;
  status: string;
  attempts: number;
  occurredMs: number;
  firstAttemptMs: number | null;
  ackedMs: number | null;
}

/** The deliveries of the `deal.created` events of these deals to this subscription, with their times. */
async function deliveriesOf(stack: BenchStack, subscriptionId: string, dealIds: string[]): Promise<DeliveryRow[]> {
  const { rows } = await stack.db.$client.query<DeliveryRow>(
    `SELECT d.id, n.id AS "notificationId", n.seq::float8 AS seq, d.status, d.attempts,
            (extract(epoch FROM n.occurred_at) * 1000)::float8 AS "occurredMs",
            (extract(epoch FROM a.started_at) * 1000)::float8 AS "firstAttemptMs",
            (extract(epoch FROM d.completed_at) * 1000)::float8 AS "ackedMs"
       FROM notification_events n
       JOIN webhook_deliveries d ON d.notification_id = n.id AND d.subscription_id = $1
       LEFT JOIN webhook_attempts a ON a.delivery_id = d.id AND a.attempt = 1
      WHERE n.type = 'deal.created' AND n.opportunity_id = ANY ($2::uuid[])`,
    [subscriptionId, dealIds],
  );
  return rows;
}

async function untilDelivered(stack: BenchStack, subscriptionId: string, dealIds: string[]): Promise<DeliveryRow[]> {
  const until = Date.now() + WAIT_LIMIT_MS;
  for (;;) {
    const rows = await deliveriesOf(stack, subscriptionId, dealIds);
    const done = rows.filter((row) => row.status === 'succeeded').length;
    if (rows.length === dealIds.length && done === rows.length) return rows;
    if (Date.now() > until)
      throw new Error(
        `after ${WAIT_LIMIT_MS / 1000} s: ${rows.length} deliveries for ${dealIds.length} deals, ${done} succeeded`,
      );
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** What the receiver got of these deliveries: each once, none missing, none twice. */
function exactlyOnce(receiver: SlowReceiver, rows: DeliveryRow[]) {
  const counts = rows.map((row) => receiver.countsById.get(`msg_${row.notificationId}`) ?? 0);
  const received = counts.reduce((a, b) => a + b, 0);
  const distinct = counts.filter((n) => n > 0).length;
  return {
    events: rows.length,
    received,
    distinct,
    duplicates: received - distinct,
    missing: rows.length - distinct,
    ok: received === rows.length && distinct === rows.length,
  };
}

interface Mode {
  name: 'live' | 'burst';
  dealIds: string[];
  eventsPerSecond: number | null;
  rows: DeliveryRow[];
  cpuCores: CpuGroups & { machineBusy: number };
  /** CPU of the bench's processes (servers, worker, API, receiver) per event, from creating it to its acknowledgement. */
  cpuMsPerEvent: number;
}

/** The rows in ten slices in the order their events were written. */
function tenths(rows: DeliveryRow[]): DeliveryRow[][] {
  const ordered = [...rows].sort((a, b) => a.seq - b.seq);
  const size = Math.ceil(ordered.length / 10);
  return Array.from({ length: 10 }, (_, i) => ordered.slice(i * size, (i + 1) * size)).filter((s) => s.length > 0);
}

/** One mode's figures: throughput, lags, delivery counts, and where the time went. */
function figuresOf(
  mode: Mode,
  floorPerSecond: number,
  receiver: SlowReceiver,
  events: Awaited<ReturnType<typeof dispatcherEvents>>,
) {
  const { rows } = mode;
  const firstEvent = Math.min(...rows.map((r) => r.occurredMs));
  const lastAck = Math.max(...rows.map((r) => r.ackedMs!));
  const perSecond = rows.length / ((lastAck - firstEvent) / 1000);
  const toFirst = spread(rows.map((r) => r.firstAttemptMs! - r.occurredMs));
  const toAck = spread(rows.map((r) => r.ackedMs! - r.occurredMs));
  const window = dispatcherWindow(events, firstEvent - 1_000, lastAck + 1_000);
  const phases = rows
    .map((r) => ({ row: r, activity: window.deliveries.get(r.id) }))
    .filter((p) => p.activity?.closedMs);
  const inFlightMs = phases.reduce((sum, p) => sum + (p.activity!.closedMs! - p.activity!.scheduledMs), 0);
  const per = (n: number) => round(n / rows.length, 2);
  return {
    events: rows.length,
    eventsPerSecond: mode.eventsPerSecond,
    seconds: round((lastAck - firstEvent) / 1000, 2),
    perSecond: round(perSecond),
    ratioToFloor: round(perSecond / floorPerSecond, 3),
    eventToFirstAttemptMs: toFirst,
    eventToAckMs: toAck,
    /** The same, as multiples of the receiver's delay. */
    inDelays: {
      firstAttempt: { p50: round(toFirst.p50 / DELAY_MS, 2), p99: round(toFirst.p99 / DELAY_MS, 2) },
      ack: { p50: round(toAck.p50 / DELAY_MS, 2), p99: round(toAck.p99 / DELAY_MS, 2) },
    },
    /** Event to first attempt p50 (ms) in each tenth of the events, oldest first: when the lag built up. */
    lagByTenth: tenths(rows).map((slice) => spread(slice.map((r) => r.firstAttemptMs! - r.occurredMs)).p50),
    retried: rows.filter((r) => r.attempts > 1).length,
    exactlyOnce: exactlyOnce(receiver, rows),
    cpuCores: mode.cpuCores,
    cpuMsPerEvent: mode.cpuMsPerEvent,
    dispatcher: {
      ...window.counts,
      perDelivery: {
        wakes: per(window.counts.wakes),
        workflowTasks: per(window.counts.workflowTasks),
        lookups: per(window.counts.lookups),
      },
      /** Event to the dispatcher scheduling its activity: notify, kicker, signal, workflow task, look-up. */
      eventToScheduledMs: spread(phases.map((p) => p.activity!.scheduledMs - p.row.occurredMs)),
      /** Scheduled to the attempt's start in the activity: task queue, worker pickup, loading the delivery. */
      scheduledToAttemptMs: spread(phases.map((p) => p.row.firstAttemptMs! - p.activity!.scheduledMs)),
      /** The attempt: the POST (the receiver's delay) and recording it. */
      attemptToAckMs: spread(phases.map((p) => p.row.ackedMs! - p.row.firstAttemptMs!)),
      /** Deliveries held in flight on average, of the cap: below it, the dispatcher is what waits. */
      meanInFlight: round(inFlightMs / (lastAck - firstEvent), 1),
      /** Seconds from the first event: when the dispatcher's runs started and when its workflow tasks were lost. */
      runStartsS: window.runStartsMs.map((at) => round((at - firstEvent) / 1000)),
      lostTasksS: window.lostTasksMs.map((at) => round((at - firstEvent) / 1000)),
      /** The dispatcher's own workflow tasks, started to completed. */
      workflowTaskMs: { ...spread(window.workflowTaskMs), max: round(Math.max(0, ...window.workflowTaskMs)) },
    },
  };
}

async function runMode(stack: BenchStack, subscriptionId: string, name: Mode['name'], count: number): Promise<Mode> {
  const before = cpuSnapshot(stack.pids);
  const ticks = machineTicks();
  const started = performance.now();
  let eventsPerSecond: number | null = null;
  let dealIds: string[];
  if (name === 'live') ({ ids: dealIds, perSecond: eventsPerSecond } = await dealsOverHttp(stack, count));
  else dealIds = await dealsAtOnce(stack, count);
  const rows = await untilDelivered(stack, subscriptionId, dealIds);
  const seconds = (performance.now() - started) / 1000;
  const after = machineTicks();
  const machineBusy = round(((after.busy - ticks.busy) / (after.total - ticks.total)) * os.cpus().length, 2);
  const groups = cpuCores(before, cpuSnapshot(stack.pids), seconds);
  const cores = Object.values(groups).reduce((a, b) => a + b, 0);
  return {
    name,
    dealIds,
    eventsPerSecond,
    rows,
    cpuCores: { ...groups, machineBusy },
    cpuMsPerEvent: round((cores * seconds * 1000) / count, 1),
  };
}

type ModeFigures = ReturnType<typeof figuresOf>;

function print(floor: Awaited<ReturnType<typeof floorRun>>, modes: Record<string, ModeFigures>): void {
  const ms = (s: Spread) => `${s.p50} · ${s.p99} ms`;
  const rows: (string | number)[][] = [
    [
      'floor (direct posts)',
      floor.deliveries,
      '-',
      `${floor.perSecond}/s`,
      1,
      '-',
      ms(floor.latencyMs),
      `${floor.failed ? `${floor.failed} failed` : 'all 200'}; CPU ${floor.cpuMsPerDelivery} ms each`,
    ],
    ...Object.entries(modes).map(([name, f]) => [
      name,
      f.events,
      f.eventsPerSecond === null ? 'one insert' : `${f.eventsPerSecond}/s`,
      `${f.perSecond}/s`,
      f.ratioToFloor.toFixed(3),
      `${ms(f.eventToFirstAttemptMs)} (${f.inDelays.firstAttempt.p50}× · ${f.inDelays.firstAttempt.p99}×)`,
      `${ms(f.eventToAckMs)} (${f.inDelays.ack.p50}× · ${f.inDelays.ack.p99}×)`,
      `${f.exactlyOnce.ok ? 'yes' : 'NO'}: ${f.exactlyOnce.distinct} distinct, ${f.exactlyOnce.duplicates} dup, ${f.exactlyOnce.missing} missing`,
    ]),
  ];
  process.stdout.write(
    `\nreceiver delay ${DELAY_MS} ms, maxConcurrency ${CONCURRENCY}\n${table(
      [
        'mode',
        'events',
        'event rate',
        'delivered',
        '÷ floor',
        'event → 1st attempt p50 · p99 (× delay)',
        'event → ack p50 · p99 (× delay)',
        'exactly once',
      ],
      rows,
    )}\n\n${table(
      [
        'mode',
        'wakes',
        'wf tasks (lost; their time)',
        'wf task p50 · p99 · max',
        'look-ups',
        'runs',
        'repeated',
        'event → scheduled',
        'scheduled → attempt',
        'attempt → ack',
        'in flight',
        'cores (machine busy)',
        'CPU per event',
      ],
      Object.entries(modes).map(([name, f]) => {
        const d = f.dispatcher;
        const { machineBusy, ...groups } = f.cpuCores;
        const cores = Object.entries(groups)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ');
        return [
          name,
          d.wakes,
          `${d.workflowTasks} (${
            Object.entries(d.workflowTasksLost)
              .map(([cause, n]) => `${n} ${cause}`)
              .join(', ') || 'none'
          }; ${round(d.lostTaskMs / 1000)} s)`,
          `${d.workflowTaskMs.p50} · ${d.workflowTaskMs.p99} · ${d.workflowTaskMs.max} ms`,
          d.lookups,
          d.runs,
          d.repeatedDeliveries,
          ms(d.eventToScheduledMs),
          ms(d.scheduledToAttemptMs),
          ms(d.attemptToAckMs),
          `${d.meanInFlight}/${CONCURRENCY}`,
          `${cores} (${machineBusy})`,
          `${f.cpuMsPerEvent} ms`,
        ];
      }),
    )}\n`,
  );
  for (const [name, f] of Object.entries(modes))
    process.stdout.write(
      `${name}: event → 1st attempt p50 by tenth of the events: ${f.lagByTenth.map((ms) => round(ms / 1000, 2)).join(' · ')} s; ` +
        `dispatcher runs started at ${f.dispatcher.runStartsS.join(', ') || '-'} s, workflow tasks lost at ${f.dispatcher.lostTasksS.join(', ') || '-'} s\n`,
    );
}

export async function runWebhooks(options: BenchOptions & { events?: number }) {
  const count = options.events ?? (options.quick ? 200 : 1_000);
  const loadAtStart = Number(os.loadavg()[0].toFixed(2));
  const receiver = await startSlowReceiver(DELAY_MS);
  const stack = await startBenchStack({
    ...options.stack,
    env: { ...options.stack?.env, WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' },
  });
  try {
    const floor = await floorRun(receiver, count);
    const created = await postJson(
      `${stack.apiUrl}/v1/webhooks`,
      { name: 'Bench receiver', url: receiver.url, eventTypes: ['deal.created'], maxConcurrency: CONCURRENCY },
      { authorization: `Bearer ${stack.adminToken}` },
    );
    if (!created.ok) throw new Error(`could not subscribe: ${created.detail}`);
    const subscriptionId = String(created.json.subscription.id);
    const modes = [
      await runMode(stack, subscriptionId, 'live', count),
      await runMode(stack, subscriptionId, 'burst', count),
    ];
    // A late duplicate would come from a retry already under way: give one a moment to arrive.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const events = await dispatcherEvents(stack.temporal, dispatchWorkflowId(webhookChannel(subscriptionId)));
    const figures = Object.fromEntries(modes.map((m) => [m.name, figuresOf(m, floor.perSecond, receiver, events)]));
    const expected = new Set(modes.flatMap((m) => m.rows.map((r) => `msg_${r.notificationId}`)));
    const strays = [...receiver.countsById.keys()].filter((id) => !id.startsWith('msg_floor_') && !expected.has(id));
    print(floor, figures);
    if (strays.length)
      process.stdout.write(`the receiver got ${strays.length} webhook-ids of no event of this bench\n`);
    saveResult('webhooks', options, {
      settings: {
        receiverDelayMs: DELAY_MS,
        maxConcurrency: CONCURRENCY,
        httpClients: HTTP_CLIENTS,
        eventType: 'deal.created',
        payloadVersion: WEBHOOK_PAYLOAD_VERSION,
      },
      floor,
      modes: figures,
      strays: strays.length,
      /** 1-minute load averages (machine.loadAverageAtStart is read when the result is saved, at the end). */
      loadAverage: { start: loadAtStart, end: Number(os.loadavg()[0].toFixed(2)) },
    });
    const failed = Object.entries(figures).filter(([, f]) => !f.exactlyOnce.ok);
    if (failed.length || strays.length)
      throw new Error(`not delivered exactly once: ${failed.map(([n]) => n).join(', ')}`);
    return figures;
  } finally {
    await stack.stop();
    await receiver.close();
  }
}
