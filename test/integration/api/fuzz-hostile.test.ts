import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { ensureClient } from '../../../db/queries/handoff';
import { httpClient } from '../../support/http';
import { startTestStack, type TestStack } from '../../support/stack';

/*
 * Hostile input on every route. The routes and their schemas come from the OpenAPI document
 * the API serves (generated from the zod schemas that validate requests), so a new route is
 * fuzzed without touching this file. Bodies, query strings, path parameters and headers are
 * generated from those schemas with string fields filled with hostile text (NUL, lone
 * surrogates, C0/C1 controls, very long, bidi and zero-width characters), dates at the edges
 * (year 0, 9999, +275760, negative years), numbers JavaScript or Postgres cannot hold
 * exactly (1e308, -0, 2^53+1, 400-digit integers), and bodies nested thousands deep or wide.
 * Every request goes through the real stack, sometimes with an Idempotency-Key, and must be
 * answered below 500 within the bound; a refused one must change nothing.
 *
 * FUZZ_SEED and FUZZ_RUNS override the fixed seed and the run count (a larger run:
 * `FUZZ_RUNS=5000 npx jest test/integration/api/fuzz-hostile.test.ts`).
 */

const SEED = Number(process.env.FUZZ_SEED ?? 20_261_206);
const RUNS = Number(process.env.FUZZ_RUNS ?? 1_500);
const BOUND_MS = Number(process.env.FUZZ_BOUND_MS ?? 10_000);

/** A JSON token written as is (JSON.stringify would turn -0 into 0 and cannot write 1e400). */
class RawJson {
  constructor(readonly text: string) {}
}

function serialize(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (Array.isArray(value)) return `[${value.map(serialize).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value)
      .map(([k, v]) => `${JSON.stringify(k)}:${serialize(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const HOSTILE_TEXT = [
  '\u0000',
  'nul \u0000 title',
  '\ud800',
  'a\udc00b',
  'pair \udbff\udfff ok',
  '\u0001\u0002\u0003\u0004',
  'esc \u001b[31m red',
  'del \u007f',
  'c1 \u0080 \u0085 \u009f',
  'line\nbreak\r\ntab\t',
  'bidi \u202e txet',
  '\ufeffbom',
  'zero\u200bwidth',
  'non-char \uffff \ufffe',
  'e\u0301\u0301\u0301',
  '😀💥',
  ' ',
  '',
  "'; DROP TABLE opportunities; --",
  '${jndi:ldap://example.com/x}',
  '<script>alert(1)</script>',
  '../../etc/passwd',
  '%00',
  '\\u0000',
  '__proto__',
  'constructor',
];
const LONG_TEXT = ['x'.repeat(201), 'x'.repeat(501), 'x'.repeat(5_001), 'é'.repeat(20_000), '\u0000'.repeat(1_000)];
const hostileString = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...HOSTILE_TEXT) },
  { weight: 1, arbitrary: fc.constantFrom(...LONG_TEXT) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.constantFrom(...HOSTILE_TEXT), fc.string({ maxLength: 20 })).map(([h, s]) => `${s}${h}${s}`),
  },
);

const EXTREME_DATE_TIMES = [
  '0000-01-01T00:00:00Z',
  '0001-01-01T00:00:00Z',
  '1899-12-31T23:59:59Z',
  '1900-01-01T00:00:00Z',
  '2200-12-31T23:59:59Z',
  '2201-01-01T00:00:00Z',
  '9999-12-31T23:59:59Z',
  '+275760-09-13T00:00:00Z',
  '+275760-09-13T00:00:00.001Z',
  '-000001-01-01T00:00:00Z',
  '-271821-04-20T00:00:00Z',
  '1970-01-01T00:00:00Z',
  '2026-02-30T00:00:00Z',
  '2026-12-31T23:59:60Z',
  '2026-06-01T09:00:00+14:00',
  '2026-06-01T09:00:00-23:59',
  '2027-01-01T00:00:00.123456789Z',
];
const EXTREME_DATES = [
  '0000-01-01',
  '9999-12-31',
  '+275760-09-13',
  '-000001-01-01',
  '1899-12-31',
  '2026-02-29',
  '2026-12-07',
];
const dateTime = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...EXTREME_DATE_TIMES) },
  {
    weight: 1,
    arbitrary: fc
      .date({ min: new Date('2026-01-01'), max: new Date('2030-01-01'), noInvalidDate: true })
      .map((d) => d.toISOString()),
  },
);
const extremeNumber = fc.oneof(
  fc
    .constantFrom(1e308, -1e308, 2 ** 53 + 1, -(2 ** 53) - 1, 2 ** 63, 2 ** 31, 0, -1, 1.5, 0.1, Number.MIN_VALUE)
    .map((n) => n as unknown),
  fc
    .constantFrom('-0', '1e400', '-1e400', '1e-400', '9007199254740993', '9'.repeat(400), '1.0', '1E2')
    .map((text) => new RawJson(text) as unknown),
);

/** Nested `depth` deep in arrays or objects: past the body's nesting limit, still under the size limit. */
const deepJson = fc
  .tuple(fc.constantFrom(33, 100, 1_000, 5_000, 20_000), fc.boolean())
  .map(
    ([depth, arrays]) =>
      new RawJson(
        arrays ? `${'['.repeat(depth)}1${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`,
      ),
  );
/** An object with more keys than the body may hold. */
const wideJson = fc
  .constantFrom(10_001, 12_000)
  .map((keys) => new RawJson(`{${Array.from({ length: keys }, (_, i) => `"k${i}":1`).join(',')}}`));

interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  allOf?: JsonSchema[];
  minimum?: number;
  maximum?: number;
  maxLength?: number;
}
interface Operation {
  parameters?: { name: string; in: 'path' | 'query' | 'header'; required?: boolean; schema: JsonSchema }[];
  requestBody?: { content: Record<string, { schema: JsonSchema }> };
}
type OpenApi = {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, JsonSchema> };
};

/**
 * How a value is drawn: `hostile` fills most leaves with hostile values (refusal is the
 * expected answer); `subtle` draws plausible values with one now and then hostile, so a bad
 * value also arrives inside an otherwise valid request, which is how a poison gets stored.
 */
type Mode = 'hostile' | 'subtle';

const plainText = fc.oneof(
  fc.constantFrom('Acme Dental', 'Call the COO', 'referral', 'Lead routing', 'Q3 launch', 'dana@example.com'),
  fc.string({ minLength: 1, maxLength: 20 }).filter((t) => t.trim() !== ''),
);
const futureDateTime = fc
  .date({ min: new Date(Date.now() + 86_400_000), max: new Date('2030-01-01'), noInvalidDate: true })
  .map((d) => d.toISOString());

/** Values for one schema: what it describes, with hostile text, edge dates and numbers, deep and wrong values mixed in. */
function valuesFor(doc: OpenApi, known: Known, schema: JsonSchema, mode: Mode, depth = 0): fc.Arbitrary<unknown> {
  let s = schema;
  while (s.$ref) s = doc.components.schemas[s.$ref.split('/').pop()!];
  const anything =
    mode === 'subtle'
      ? fc.oneof(hostileString, extremeNumber)
      : fc.oneof(
          { weight: 3, arbitrary: hostileString },
          { weight: 2, arbitrary: extremeNumber },
          { weight: 1, arbitrary: fc.constantFrom(null, true, false) },
          { weight: 1, arbitrary: deepJson },
        );
  /** The schema's own kind of value, and now and then `bad` instead. */
  const mixed = (typed: fc.Arbitrary<unknown>, bad: fc.Arbitrary<unknown> = anything) =>
    fc.oneof({ weight: mode === 'hostile' ? 12 : 15, arbitrary: typed }, { weight: 1, arbitrary: bad });
  const branches = s.oneOf ?? s.anyOf ?? s.allOf;
  if (branches) return fc.oneof(...branches.map((branch) => valuesFor(doc, known, branch, mode, depth + 1)));
  if (s.enum) return mixed(fc.constantFrom(...s.enum));
  if (s.const !== undefined) return mixed(fc.constant(s.const));
  const type = Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type;
  if (depth > 8) return anything;
  switch (type) {
    case 'string':
      if (s.format === 'uuid')
        return mixed(fc.constantFrom(...known.ids, randomUUID(), '00000000-0000-0000-0000-000000000000'));
      if (s.format === 'date-time') return mode === 'hostile' ? mixed(dateTime) : mixed(futureDateTime, dateTime);
      if (s.format === 'date')
        return mode === 'hostile'
          ? mixed(fc.constantFrom(...EXTREME_DATES))
          : mixed(fc.constant('2027-03-01'), fc.constantFrom(...EXTREME_DATES));
      // Text carries most poisons: here a hostile string is drawn one time in four.
      if (mode === 'subtle')
        return fc.oneof({ weight: 3, arbitrary: plainText }, { weight: 1, arbitrary: hostileString });
      return fc.oneof(
        { weight: 3, arbitrary: hostileString },
        { weight: 1, arbitrary: plainText },
        { weight: 1, arbitrary: anything },
      );
    case 'integer':
    case 'number': {
      const inRange = fc.integer({ min: Math.max(s.minimum ?? 0, -1e9), max: Math.min(s.maximum ?? 1_000, 1e9) });
      return mode === 'hostile' ? mixed(fc.oneof(extremeNumber, inRange)) : mixed(inRange, extremeNumber);
    }
    case 'boolean':
      return mixed(fc.boolean());
    case 'array':
      return mixed(
        fc.array(valuesFor(doc, known, s.items ?? {}, mode, depth + 1), {
          minLength: mode === 'subtle' ? 1 : 0,
          maxLength: 4,
        }),
      );
    case 'object': {
      const props = s.properties ?? {};
      const model = Object.fromEntries(
        Object.entries(props).map(([key, value]) => [key, valuesFor(doc, known, value, mode, depth + 1)]),
      );
      const record = fc.record(model, { requiredKeys: (s.required ?? []).filter((key) => key in props) });
      if (mode === 'subtle') return record;
      const extraKey = fc
        .tuple(
          record,
          fc.constantFrom('__proto__', 'constructor', '\u0000', 'actor', 'version', 'x'.repeat(300)),
          anything,
        )
        .map(([r, k, v]) => ({ ...(r as object), [k]: v }));
      return fc.oneof(
        { weight: 12, arbitrary: record },
        { weight: 1, arbitrary: extraKey },
        { weight: 1, arbitrary: anything },
      );
    }
    default:
      return anything;
  }
}

/** Percent-encoding that also writes what encodeURIComponent refuses (a lone surrogate), as an attacker would. */
function pct(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return [...text]
      .map((ch) => {
        try {
          return encodeURIComponent(ch);
        } catch {
          const c = ch.charCodeAt(0);
          return [0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f)]
            .map((b) => `%${b.toString(16).toUpperCase()}`)
            .join('');
        }
      })
      .join('');
  }
}

/** A URL stays under the server's 16 kB header limit (431 says nothing about the route): long values are cut to 2,000 characters. */
const queryText = (value: unknown): string =>
  (value instanceof RawJson ? value.text : typeof value === 'string' ? value : serialize(value)).slice(0, 2_000);
const RAW_QUERY_VALUES = [
  '%00',
  '%C0%80',
  '%FF',
  '%ED%A0%80',
  '0x10',
  '1e2',
  '-0',
  ' 5',
  '5.0',
  '%',
  '%%',
  '9'.repeat(40),
];

interface Known {
  ids: string[];
}

interface FuzzRequest {
  method: string;
  path: string;
  token: 'admin' | 'ops' | 'rep' | 'portal';
  body?: string;
  headers: Record<string, string>;
}

/** One request to one documented route, built from its parameters and body schema. */
function requestsFor(
  doc: OpenApi,
  known: Known,
  defaults: Record<string, string>,
  path: string,
  method: string,
  op: Operation,
): fc.Arbitrary<FuzzRequest> {
  const params = op.parameters ?? [];
  const pathParams = params.filter((p) => p.in === 'path');
  const queryParams = params.filter((p) => p.in === 'query');
  const hostilePathValue = fc.oneof(
    hostileString.filter((s) => s !== '' && s !== '.' && s !== '..').map(queryText),
    fc.constantFrom('not-a-uuid', '0'.repeat(36)),
  );
  const pathValues = fc.tuple(
    ...pathParams.map((p) =>
      fc.oneof(
        { weight: 10, arbitrary: fc.constant(defaults[p.name] ?? 'x') },
        { weight: 2, arbitrary: valuesFor(doc, known, p.schema, 'hostile').map(queryText) },
        { weight: 1, arbitrary: hostilePathValue },
      ),
    ),
  );
  const pairs = fc.array(
    fc.tuple(
      fc.oneof(
        { weight: 8, arbitrary: fc.constantFrom(...(queryParams.length ? queryParams.map((p) => p.name) : ['limit'])) },
        { weight: 1, arbitrary: hostileString.map(queryText) },
      ),
      fc.oneof(
        {
          weight: 6,
          arbitrary: fc
            .constantFrom(...(queryParams.length ? queryParams : [{ schema: {} as JsonSchema }]))
            .chain((p) => valuesFor(doc, known, p.schema, 'hostile').map(queryText)),
        },
        { weight: 1, arbitrary: fc.constantFrom(...RAW_QUERY_VALUES).map((raw) => ({ raw })) },
      ),
    ),
    { minLength: 1, maxLength: 4 },
  );
  // A route without query parameters mostly gets none: the others are where the query schema is.
  const query = fc.oneof(
    { weight: queryParams.length ? 1 : 4, arbitrary: pairs.map((p) => p.slice(0, 0)) },
    { weight: 2, arbitrary: pairs },
  );
  const bodySchema = op.requestBody?.content['application/json']?.schema;
  const body = bodySchema
    ? fc.oneof(
        { weight: 6, arbitrary: valuesFor(doc, known, bodySchema, 'hostile').map(serialize) },
        { weight: 6, arbitrary: valuesFor(doc, known, bodySchema, 'subtle').map(serialize) },
        { weight: 1, arbitrary: deepJson.map((deep) => `{"type":"RECORD_QUALIFICATION","facts":${deep.text}}`) },
        { weight: 1, arbitrary: deepJson.map((deep) => deep.text) },
        { weight: 1, arbitrary: wideJson.map((wide) => wide.text) },
      )
    : fc.constant(undefined);
  const idempotencyKey = fc.option(
    fc.oneof(
      { weight: 6, arbitrary: fc.uuid().map((u) => `fuzz-${u}`) },
      { weight: 1, arbitrary: fc.constantFrom('x'.repeat(300), 'a b', '\u00e9\u00ff', '') },
    ),
    { nil: undefined, freq: 2 },
  );
  // Present on about one request in eight (a stale or malformed one stops the request before the body matters).
  const ifMatch = fc.oneof(
    { weight: 7, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.constantFrom('"0"', '"1"', '*', 'W/"3"', '"99999999999999999999"', '"-1"', 'nonsense') },
  );
  const token = fc.oneof(
    { weight: 6, arbitrary: fc.constant<FuzzRequest['token']>('admin') },
    { weight: 2, arbitrary: fc.constant<FuzzRequest['token']>('rep') },
    { weight: 1, arbitrary: fc.constantFrom<FuzzRequest['token']>('ops', 'portal') },
  );
  return fc
    .record({ pathValues, query, body, idempotencyKey, ifMatch, token })
    .map(({ pathValues: values, query: pairs, body: text, idempotencyKey: key, ifMatch: match, token: who }) => {
      let url = path;
      pathParams.forEach((p, i) => (url = url.replace(`{${p.name}}`, pct(values[i]))));
      const search = pairs
        .map(([name, value]) => `${pct(name)}=${typeof value === 'object' ? value.raw : pct(value)}`)
        .join('&');
      const headers: Record<string, string> = {};
      if (text !== undefined) headers['content-type'] = 'application/json';
      if (key !== undefined && method === 'post') headers['Idempotency-Key'] = key;
      if (match !== undefined && method === 'post') headers['If-Match'] = match;
      return { method: method.toUpperCase(), path: search ? `${url}?${search}` : url, token: who, body: text, headers };
    });
}

let stack: TestStack;
let tokens: Record<FuzzRequest['token'], string>;
let dealId: string;
let repId: string;
let serviceId: string;

beforeAll(async () => {
  stack = await startTestStack();
  const rep = await stack.user('rep');
  const ops = await stack.user('ops');
  repId = rep.id;
  const created = await httpClient(stack.baseUrl, rep.token).post('/v1/opportunities', {
    title: 'Hostile fuzz target',
    company: 'Fuzz Co',
  });
  expect(created.status).toBe(201);
  dealId = created.body.id;
  const client = await ensureClient(stack.db, {
    key: `fuzz-hostile-client-${dealId}`,
    opportunityId: dealId,
    name: 'Fuzz Co',
  });
  const portal = await stack.user('portal', client.id);
  tokens = { admin: stack.adminToken, ops: ops.token, rep: rep.token, portal: portal.token };
  const service = await httpClient(stack.baseUrl, ops.token).post('/v1/services', {
    code: `fuzz-${dealId.slice(0, 8)}`,
    name: 'Fuzz service',
  });
  expect(service.status).toBe(201);
  serviceId = service.body.id;
});
afterAll(async () => {
  await stack?.stop();
});

/** What a refused request must leave as it was. */
async function state() {
  const one = async (text: string, params: unknown[] = []) =>
    (await stack.db.$client.query(text, params)).rows[0].n as number;
  return {
    version: await one('select version as n from opportunities where id = $1', [dealId]),
    timeline: await one('select count(*)::int as n from opportunity_events where opportunity_id = $1', [dealId]),
    opportunities: await one('select count(*)::int as n from opportunities'),
    users: await one('select count(*)::int as n from users'),
    tokens: await one('select count(*)::int as n from api_tokens'),
    snapshots: await one('select count(*)::int as n from metric_snapshots'),
    services: await one('select count(*)::int as n from services'),
  };
}

describe('hostile input on every route, generated from the OpenAPI document', () => {
  it('answers every request below 500 within the bound, and a refused request changes nothing', async () => {
    const doc = (await httpClient(stack.baseUrl).get<OpenApi>('/openapi.json')).body;
    const tasks = await httpClient(stack.baseUrl, tokens.rep).get(`/v1/tasks?opportunityId=${dealId}`);
    const taskId: string = tasks.body.items[0]?.id ?? randomUUID();
    const known: Known = { ids: [dealId, repId, taskId, serviceId] };
    // What a path parameter usually is: an id that exists, so the request gets past the lookup.
    const defaultsFor = (path: string): Record<string, string> => ({
      id: path.startsWith('/v1/users')
        ? repId
        : path.startsWith('/v1/tasks')
          ? taskId
          : path.startsWith('/v1/services')
            ? serviceId
            : dealId,
      clientId: randomUUID(),
      token: 'a'.repeat(43),
      output: 'approval-state',
    });
    const routes = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => ({ path, method, op })),
    );
    expect(routes.length).toBeGreaterThanOrEqual(25);
    // Writes are where a poison can stick: they are drawn more often, the deal's events most.
    const weightOf = (r: (typeof routes)[number]) =>
      r.path.endsWith('/events') && r.method === 'post' ? 12 : r.method === 'post' ? 4 : 1;
    const requests = fc.oneof(
      ...routes.map((r) => ({
        weight: weightOf(r),
        arbitrary: requestsFor(doc, known, defaultsFor(r.path), r.path, r.method, r.op),
      })),
    );

    const statuses = new Map<number, number>();
    const acceptedWrites = new Map<string, number>();
    let slowest = 0;
    process.stdout.write(
      `[fuzz-hostile] seed ${SEED}, ${RUNS} runs over ${routes.length} routes (FUZZ_SEED, FUZZ_RUNS)\n`,
    );
    const started = Date.now();
    await fc.assert(
      fc.asyncProperty(requests, async (request) => {
        const before = await state();
        const sentAt = Date.now();
        let status: number;
        let text: string;
        try {
          const response = await fetch(`${stack.baseUrl}${request.path}`, {
            method: request.method,
            headers: { ...request.headers, authorization: `Bearer ${tokens[request.token]}` },
            body: request.body,
            signal: AbortSignal.timeout(BOUND_MS),
          });
          status = response.status;
          text = await response.text();
        } catch (error) {
          throw new Error(
            `${request.method} ${request.path.slice(0, 200)} got no answer within ${BOUND_MS} ms: ${(error as Error).message}`,
            { cause: error },
          );
        }
        const took = Date.now() - sentAt;
        slowest = Math.max(slowest, took);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        const context = `${request.method} ${request.path.slice(0, 200)} as ${request.token} body ${(request.body ?? '').slice(0, 300)} → ${status} ${text.slice(0, 300)}`;
        expect([context, status < 500]).toEqual([context, true]);
        expect([context, took <= BOUND_MS]).toEqual([context, true]);
        if (status >= 400) expect([context, await state()]).toEqual([context, before]);
        else if (request.method === 'POST') {
          const route = request.path.split('?')[0].replace(/[0-9a-f-]{36}/g, ':id');
          acceptedWrites.set(route, (acceptedWrites.get(route) ?? 0) + 1);
          // An accepted event can start the deal's own work (a timer's note); let it land before the next baseline.
          if (route.endsWith('/events')) await new Promise((resolve) => setTimeout(resolve, 300));
        }
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
    const summary = [...statuses.entries()]
      .sort(([a], [b]) => a - b)
      .map(([s, n]) => `${s}×${n}`)
      .join(' ');
    const writes = [...acceptedWrites.entries()].map(([route, n]) => `${route}×${n}`).join(' ');
    process.stdout.write(
      `[fuzz-hostile] ${RUNS} runs in ${Date.now() - started} ms, slowest answer ${slowest} ms, statuses ${summary}; accepted writes ${writes}\n`,
    );
    // The hostile requests must reach validation and beyond, not all bounce off one check.
    expect([...statuses.keys()].some((s) => s >= 200 && s < 300)).toBe(true);
    expect([...statuses.keys()].filter((s) => s >= 400).length).toBeGreaterThanOrEqual(3);
  });
});
