/**
 * SR1: finding deals at 100,000 deals. The deals are seeded straight into the read model
 * (one INSERT ... SELECT generate_series; Postgres fills the generated `search` column), since
 * the list reads Postgres and never the workflows. Then each query runs one request at a time
 * through the real HTTP API (auth, validation, the query, rendering each deal), and its p95 is
 * printed beside baselines measured in the same run: `GET /health/live` (no database) and a
 * primary-key read `GET /v1/opportunities/:id`.
 */
import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { createUser } from '../db/queries/auth';
import { opportunities } from '../db/schema';
import { STAGES } from '../machines/opportunity/vocabulary';
import { postJson } from './lib/load';
import { saveResult, table, type BenchOptions } from './lib/report';
import { startBenchStack, type BenchStack } from './lib/stack';
import { percentile, round, sortNumbers } from './lib/stats';

const DEALS = 100_000;
/** The goal of SR1 for a search with a filter and a sort. */
const TARGET_P95_MS = 50;

const COMPANY_WORDS = [
  'Acme',
  'Globex',
  'Initech',
  'Umbrella',
  'Hooli',
  'Vandelay',
  'Stark',
  'Wayne',
  'Wonka',
  'Cyberdyne',
  'Soylent',
  'Tyrell',
  'Aperture',
  'Massive',
  'Dunder',
  'Pied',
  'Gringotts',
  'Oscorp',
  'Nakatomi',
  'Virtucon',
  'Bluth',
  'Prestige',
  'Sterling',
  'Monarch',
  'Kestrel',
  'Harbor',
  'Summit',
  'Cedar',
  'Granite',
  'Beacon',
  'Northwind',
  'Contoso',
  'Fabrikam',
  'Tailspin',
  'Woodgrove',
  'Litware',
  'Proseware',
  'Adventure',
  'Alpine',
  'Lucerne',
];
const COMPANY_KINDS = [
  'Dental',
  'Plumbing',
  'Logistics',
  'Roofing',
  'Legal',
  'Clinic',
  'Realty',
  'Motors',
  'Bakery',
  'Fitness',
  'Veterinary',
  'Electric',
  'Landscaping',
  'Insurance',
  'Accounting',
  'Salon',
  'Hotel',
  'Cleaning',
  'Pharmacy',
  'Studio',
];
const TITLES = [
  'Lead flow rebuild',
  'After-hours call routing',
  'Missed call text back',
  'Booking funnel audit',
  'CRM migration',
  'Review request automation',
  'Quote follow-up sequence',
  'Chat widget rollout',
  'Call tracking setup',
  'Reporting dashboard',
];
const FIRST_NAMES = [
  'Ana',
  'Ben',
  'Chloe',
  'David',
  'Elena',
  'Farid',
  'Grace',
  'Hugo',
  'Ines',
  'Jonas',
  'Kara',
  'Liam',
];
const LAST_NAMES = ['Smith', 'Garcia', 'Nguyen', 'Müller', 'Rossi', 'Dubois', 'Kowalski', 'Okafor', 'Tanaka', 'Larsen'];
const OWNERS = 25;

const textArray = (values: readonly string[]) =>
  sql`ARRAY[${sql.join(
    values.map((v) => sql`${v}`),
    sql`, `,
  )}]::text[]`;
/** A pseudo-random whole number in [0, n) of the series row `g`, stable across runs (salted per column). */
const pick = (salt: number, n: number) => sql.raw(`(abs(hashint4(g * 7919 + ${salt})) % ${n})`);

/** 100,000 deals of realistic companies, titles, contacts, values and dates, in batches (one statement each). */
export async function seedDeals(db: Db, snapshot: unknown, owners: string[]): Promise<number> {
  const started = performance.now();
  const batch = 20_000;
  for (let from = 1; from <= DEALS; from += batch) {
    const to = Math.min(DEALS, from + batch - 1);
    const first = sql`(${textArray(FIRST_NAMES)})[1 + ${pick(3, FIRST_NAMES.length)}]`;
    const last = sql`(${textArray(LAST_NAMES)})[1 + ${pick(4, LAST_NAMES.length)}]`;
    const company = sql`(${textArray(COMPANY_WORDS)})[1 + ${pick(1, COMPANY_WORDS.length)}]`;
    await db.execute(sql`
      INSERT INTO opportunities (id, workflow_id, title, company, stage, owner_id, snapshot, version,
        next_action_description, next_action_due_at, overdue, dormant, follow_up_pause_reasons,
        value_cents, currency, expected_close_date, probability, contact_name, contact_email,
        last_activity_at, created_at, updated_at)
      SELECT id, 'opportunity-' || id, title, company, stage::stage, owner_id, ${JSON.stringify(snapshot)}::jsonb, 1,
        'Call back', now() + make_interval(hours => ${pick(5, 24 * 60)}::int - 24 * 14), ${pick(6, 10)} = 0, ${pick(7, 20)} = 0,
        CASE WHEN ${pick(8, 20)} = 0 THEN ARRAY['timing']::text[] ELSE '{}'::text[] END,
        CASE WHEN ${pick(9, 5)} = 0 THEN NULL ELSE 50000 + ${pick(10, 5_000_000)}::bigint END,
        CASE WHEN ${pick(11, 3)} = 0 THEN 'USD' ELSE 'EUR' END,
        CASE WHEN ${pick(12, 4)} = 0 THEN NULL ELSE current_date + ${pick(13, 365)}::int END,
        CASE WHEN ${pick(14, 3)} = 0 THEN NULL ELSE 10 * ${pick(15, 11)}::int END,
        first_name || ' ' || last_name,
        lower(first_name) || '.' || lower(last_name) || '@' || lower(company_word) || '.example',
        now() - make_interval(mins => ${pick(16, 60 * 24 * 180)}::int),
        created_at, created_at
      FROM (
        SELECT g, gen_random_uuid() AS id,
          ${company} AS company_word,
          ${company} || ' ' || (${textArray(COMPANY_KINDS)})[1 + ${pick(2, COMPANY_KINDS.length)}] AS company,
          (${textArray(TITLES)})[1 + ${pick(17, TITLES.length)}] AS title,
          (${textArray(STAGES)})[1 + ${pick(18, STAGES.length)}] AS stage,
          (${textArray(owners)})[1 + ${pick(19, owners.length)}] AS owner_id,
          ${first} AS first_name, ${last} AS last_name,
          now() - make_interval(mins => ${pick(20, 60 * 24 * 730)}::int) AS created_at
        FROM generate_series(${from}::int, ${to}::int) AS g
      ) AS deals`);
  }
  // As a long-lived table would be: statistics that know the new rows (autovacuum would get there too).
  await db.execute(sql`ANALYZE opportunities`);
  return performance.now() - started;
}

interface Probe {
  name: string;
  /** The path of request `n` (queries rotate their words so no one answer is cached anywhere). */
  path: (n: number) => string;
}

async function measure(stack: BenchStack, token: string, probe: Probe, count: number) {
  const headers = { authorization: `Bearer ${token}` };
  const latencies: number[] = [];
  let items = 0;
  for (let n = 0; n < count + 20; n += 1) {
    const started = performance.now();
    const response = await fetch(`${stack.apiUrl}${probe.path(n)}`, { headers });
    const body = (await response.json()) as { items?: unknown[] };
    const elapsed = performance.now() - started;
    if (response.status !== 200) throw new Error(`${probe.name}: ${response.status} ${JSON.stringify(body)}`);
    if (n >= 20) {
      latencies.push(elapsed); // the first twenty warm up connections, plans and caches
      items += body.items?.length ?? 1;
    }
  }
  const sorted = sortNumbers(latencies);
  return {
    name: probe.name,
    p50: round(percentile(sorted, 50), 2),
    p95: round(percentile(sorted, 95), 2),
    p99: round(percentile(sorted, 99), 2),
    itemsPerAnswer: round(items / count, 1),
  };
}

export async function runSearch(options: BenchOptions) {
  const count = options.quick ? 100 : 500;
  const stack = await startBenchStack(options.stack);
  try {
    const owners: string[] = Array.from({ length: OWNERS }, () => randomUUID());
    const rep = await createUser(stack.db, {
      name: 'Bench Rep',
      email: `bench-${randomUUID()}@bench.test`,
      role: 'rep',
    });
    owners[0] = rep.id;
    const created = await postJson(
      `${stack.apiUrl}/v1/opportunities`,
      { title: 'Template', company: 'Template Co', ownerId: rep.id },
      { authorization: `Bearer ${stack.adminToken}` },
    );
    if (!created.ok) throw new Error(`could not open a deal: ${created.detail}`);
    const id = String(created.json.id);
    const [template] = await stack.db.select().from(opportunities).where(eq(opportunities.id, id));
    const seedMs = await seedDeals(stack.db, template.snapshot, owners);
    const [{ deals }] = (await stack.db.execute(sql`SELECT count(*)::int AS deals FROM opportunities`)).rows as {
      deals: number;
    }[];
    process.stdout.write(`seeded ${deals} deals in ${(seedMs / 1000).toFixed(1)} s\n`);

    const word = (n: number) => COMPANY_WORDS[n % COMPANY_WORDS.length].toLowerCase().slice(0, 4);
    const probes: Probe[] = [
      { name: 'baseline: GET /health/live', path: () => '/health/live' },
      { name: 'baseline: GET /v1/opportunities/:id', path: () => `/v1/opportunities/${id}` },
      {
        name: 'q=<word> & stage=proposal & sort=value desc',
        path: (n) => `/v1/opportunities?q=${word(n)}&stage=proposal&sort=value&order=desc`,
      },
      {
        name: 'q=<word> <kind> & overdue & sort=nextActionDue',
        path: (n) =>
          `/v1/opportunities?q=${word(n)}+${COMPANY_KINDS[n % COMPANY_KINDS.length].slice(0, 3)}&overdue=true&sort=nextActionDue`,
      },
      {
        name: 'q=<contact surname> & ownerId & sort=lastActivity desc',
        path: (n) =>
          `/v1/opportunities?q=${encodeURIComponent(LAST_NAMES[n % LAST_NAMES.length])}&ownerId=${owners[n % OWNERS]}&sort=lastActivity&order=desc`,
      },
      {
        name: 'stage & value range & sort=expectedClose (no q)',
        path: (n) => `/v1/opportunities?stage=${STAGES[n % 8]}&valueMin=1000000&valueMax=3000000&sort=expectedClose`,
      },
      {
        name: 'q=a (a prefix of 1 in 4 deals) & stage=sent & sort=created desc',
        path: () => '/v1/opportunities?q=a&stage=sent&sort=created&order=desc',
      },
    ];
    const results = [];
    for (const probe of probes) results.push(await measure(stack, stack.adminToken, probe, count));
    const [live, byId] = results;
    const rows = results.map((r) => [
      r.name,
      r.p50,
      r.p95,
      r.p99,
      r.itemsPerAnswer,
      round(r.p95 / live.p95, 1),
      round(r.p95 / byId.p95, 2),
    ]);
    process.stdout.write(
      `\n${deals} deals, ${count} requests each, one at a time\n${table(
        ['request', 'p50 ms', 'p95 ms', 'p99 ms', 'items', 'p95 ÷ live', 'p95 ÷ by id'],
        rows,
      )}\n`,
    );
    const headline = results[2];
    process.stdout.write(
      `\nsearch with a filter and a sort: p95 ${headline.p95} ms (goal < ${TARGET_P95_MS} ms: ${headline.p95 < TARGET_P95_MS ? 'met' : 'NOT met'}), ` +
        `${round(headline.p95 / byId.p95, 2)}× a primary-key read\n`,
    );
    return saveResult('search', options, {
      deals,
      requestsPerQuery: count,
      seedSeconds: round(seedMs / 1000, 1),
      results,
    });
  } finally {
    await stack.stop();
  }
}
