import fc from 'fast-check';
import { z } from 'zod';
import { eventRequestSchema } from '../../../api/schemas/events';
import { INDIRECT_EVENTS } from '../../../machines/opportunity';
import { CLIENT_ATTACHMENTS } from '../../../machines/opportunity/attachments';
import { createOpportunityBody } from '../../../api/schemas/opportunity';
import { createTokenBody, createUserBody } from '../../../api/schemas/people';
import { dealWorkflowId } from '../../../workflows/deal/messages';
import { httpClient } from '../../support/http';
import { propertyRuns } from '../../support/kit';
import { startTestStack, type TestStack } from '../../support/stack';

/*
 * Malformed requests generated from the API's own zod schemas (through their JSON Schema):
 * unknown fields, wrong types, over-long strings, missing required fields, bad event types,
 * bodies that are not objects and text that is not JSON. Every answer must be a 4xx
 * problem+json naming a field, and nothing may change.
 */

type Json = { type?: string | string[]; properties?: Record<string, Json>; required?: string[]; maxLength?: number };
const jsonOf = (schema: z.ZodType): Json => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Json;

const WRONG: Record<string, fc.Arbitrary<unknown>[]> = {
  string: [
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(fc.integer(), { maxLength: 3 }),
    fc.constant({ nested: 1 }),
  ],
  number: [fc.string(), fc.boolean(), fc.constant(null), fc.constant([1]), fc.constant({})],
  integer: [fc.string(), fc.boolean(), fc.constant(null), fc.constant(1.5), fc.constant({})],
  boolean: [fc.integer(), fc.string(), fc.constant(null), fc.constant([]), fc.constant({})],
  object: [fc.integer(), fc.string(), fc.boolean(), fc.constant([1, 2])],
  array: [fc.integer(), fc.string(), fc.boolean(), fc.constant({ a: 1 }), fc.constant(null)],
};

/** Malformed bodies for one object schema; `base` holds what selects it (the event type). */
function malformed(json: Json, base: Record<string, unknown>): fc.Arbitrary<{ body: unknown; note: string }>[] {
  const props = json.properties ?? {};
  const names = Object.keys(props).filter((k) => !(k in base));
  const typed = names.filter((k) => typeof props[k].type === 'string' && WRONG[props[k].type as string]);
  const strings = names.filter((k) => props[k].type === 'string' && props[k].maxLength !== undefined);
  const required = (json.required ?? []).filter((k) => !(k in base));
  const unknownKey = fc.string({ minLength: 1, maxLength: 30 }).filter((k) => !(k in props) && k !== '__proto__');
  const arbs: fc.Arbitrary<{ body: unknown; note: string }>[] = [
    fc.tuple(unknownKey, fc.jsonValue()).map(([k, v]) => ({ body: { ...base, [k]: v }, note: `unknown ${k}` })),
    fc
      .constantFrom('actor', 'at', 'stage', 'version', 'ownerId', 'approvedBy')
      .filter((k) => !(k in props))
      .map((k) => ({ body: { ...base, [k]: 'x' }, note: `protected ${k}` })),
  ];
  if (typed.length) {
    arbs.push(
      fc
        .constantFrom(...typed)
        .chain((k) =>
          fc
            .oneof(...WRONG[props[k].type as string])
            .map((v) => ({ body: { ...base, [k]: v }, note: `wrong type ${k}` })),
        ),
    );
  }
  if (strings.length) {
    arbs.push(
      fc
        .tuple(fc.constantFrom(...strings), fc.integer({ min: 1, max: 3_000 }))
        .map(([k, extra]) => ({ body: { ...base, [k]: 'x'.repeat(props[k].maxLength! + extra) }, note: `long ${k}` })),
    );
  }
  if (required.length) arbs.push(fc.constant({ body: { ...base }, note: `missing ${required.join(',')}` }));
  return arbs;
}

const notJson = fc.oneof(
  fc.string({ maxLength: 40 }).filter((s) => {
    try {
      const v = JSON.parse(s);
      return v === null || typeof v !== 'object';
    } catch {
      return true;
    }
  }),
  fc.constantFrom('{"a":', '{a:1}', "{'x':1}", '[1,', '{"type":"QUALIFY",}', '\u0000'),
);
const notObject = fc.oneof(
  fc.constant('[]'),
  fc.constant('[{"type":"QUALIFY"}]'),
  fc.constant('null'),
  fc.constant('"QUALIFY"'),
  fc.constant('42'),
);

/** A valid body of each event that takes attachments, but for its attachments. */
const VALID_WITHOUT_ATTACHMENTS: Record<keyof typeof CLIENT_ATTACHMENTS, Record<string, unknown>> = {
  RECORD_PROPOSAL_SECTION: { section: 'scope' },
  RECORD_AUDIT_EVIDENCE: { evidenceId: 'ev-fuzz', summary: 'Fuzzed evidence' },
  RECORD_CLIENT_SAFE_SUMMARY: { kind: 'audit_findings' },
  RECORD_PROPOSAL_MESSAGE: {},
  APPROVE: {},
  RECORD_NOTE: {},
};

let stack: TestStack;
let rep: { id: string; token: string };
let dealId: string;
let taskId: string;
let sent = 0;

beforeAll(async () => {
  stack = await startTestStack();
  rep = await stack.user('rep');
  dealId = (
    await httpClient(stack.baseUrl, rep.token).post('/v1/opportunities', { title: 'Fuzz target', company: 'Fuzz Co' })
  ).body.id;
  const tasks = await httpClient(stack.baseUrl, rep.token).get(`/v1/tasks?opportunityId=${dealId}`);
  // The lead's first next action is a promised task (internal work: consent is still unknown, F1).
  expect(tasks.body.items.map((t: { kind: string }) => t.kind)).toEqual(['next_action']);
  taskId = tasks.body.items[0].id;
});
afterAll(async () => {
  await stack?.stop();
});

async function state() {
  const q = async (sql: string, params: unknown[] = []) =>
    (await stack.db.$client.query(sql, params)).rows[0].n as number;
  const history = (await stack.temporal.workflow.getHandle(dealWorkflowId(dealId)).describe()).historyLength;
  return {
    events: await q('select count(*)::int as n from opportunity_events'),
    version: await q('select version as n from opportunities where id = $1', [dealId]),
    opportunities: await q('select count(*)::int as n from opportunities'),
    users: await q('select count(*)::int as n from users'),
    tokens: await q('select count(*)::int as n from api_tokens'),
    tasks: await q("select count(*)::int as n from tasks where status = 'open'"),
    idempotencyKeys: await q('select count(*)::int as n from idempotency_keys'),
    history,
  };
}

/** Sends one malformed request and checks the answer. */
async function expectRefused(
  token: string,
  path: string,
  request: { body: unknown; note: string } | string,
  method = 'POST',
) {
  const raw = typeof request === 'string';
  const payload = raw ? request : JSON.stringify(request.body);
  const headers: Record<string, string> = { 'content-type': 'application/json', 'Idempotency-Key': `fuzz-${sent}` };
  const answer = await httpClient(stack.baseUrl, token).raw(
    method,
    path,
    method === 'GET' ? undefined : payload,
    headers,
  );
  sent += 1;
  const context = `${method} ${path} ${raw ? JSON.stringify(request) : request.note}: ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`;
  expect([
    context,
    answer.status >= 400 && answer.status < 500 && answer.status !== 404 && answer.status !== 409,
  ]).toEqual([context, true]);
  expect([context, answer.headers.get('content-type') ?? '']).toEqual([
    context,
    expect.stringContaining('application/problem+json'),
  ]);
  expect([context, Array.isArray(answer.body.errors) && answer.body.errors.length > 0]).toEqual([context, true]);
  for (const e of answer.body.errors)
    expect([context, typeof e.field === 'string' && e.field.length > 0]).toEqual([context, true]);
}

describe('fuzzing every route with malformed requests', () => {
  it('[IN1] thousands of malformed requests answer 4xx problem+json naming a field, never 5xx, and change nothing', async () => {
    const before = await state();
    const events = eventRequestSchema.options.map((option) => {
      const json = jsonOf(option);
      const type =
        (json.properties!.type as { const?: string; enum?: string[] }).const ??
        (json.properties!.type as { enum: string[] }).enum[0];
      return malformed(json, { type });
    });
    const eventBodies = fc.oneof(
      ...events.flat(),
      fc
        .oneof(fc.string({ maxLength: 30 }), fc.integer(), fc.constant(null))
        .map((t) => ({ body: { type: t }, note: `bad type ${String(t)}` })),
      // Events that reach a deal another way (the workflow, a proposal link, a task's completion).
      fc.constantFrom(...INDIRECT_EVENTS).map((t) => ({ body: { type: t }, note: `indirect event ${t}` })),
      // Malformed attachments of every event that takes some (summaries, the proposal message, sections, …).
      // The rest of each body is valid, so only the attachments can be what is refused.
      ...Object.entries(CLIENT_ATTACHMENTS).flatMap(([type, schema]) =>
        malformed(jsonOf(schema), {}).map((arb) =>
          arb.map(({ body, note }) => ({
            body: { type, ...VALID_WITHOUT_ATTACHMENTS[type as keyof typeof CLIENT_ATTACHMENTS], attachments: body },
            note: `${type} attachments: ${note}`,
          })),
        ),
      ),
      // Sending takes no text of its own: the message is a draft the approval named.
      fc.jsonValue().map((attachments) => ({
        body: { type: 'SEND_PROPOSAL', attachments },
        note: 'SEND_PROPOSAL with attachments',
      })),
    );
    let planned = 0;
    const runs = (count: number) => {
      const numRuns = propertyRuns(count);
      planned += numRuns;
      return numRuns;
    };
    await fc.assert(
      fc.asyncProperty(eventBodies, (req) => expectRefused(rep.token, `/v1/opportunities/${dealId}/events`, req)),
      { numRuns: runs(700), endOnFailure: true },
    );
    await fc.assert(
      fc.asyncProperty(fc.oneof(...malformed(jsonOf(createOpportunityBody), {})), (req) =>
        expectRefused(rep.token, '/v1/opportunities', req),
      ),
      { numRuns: runs(150) },
    );
    await fc.assert(
      fc.asyncProperty(fc.oneof(...malformed(jsonOf(createUserBody), {})), (req) =>
        expectRefused(stack.adminToken, '/v1/users', req),
      ),
      { numRuns: runs(100) },
    );
    await fc.assert(
      fc.asyncProperty(fc.oneof(...malformed(jsonOf(createTokenBody), {})), (req) =>
        expectRefused(stack.adminToken, `/v1/users/${rep.id}/tokens`, req),
      ),
      { numRuns: runs(60) },
    );
    await fc.assert(
      fc.asyncProperty(fc.oneof(...malformed(jsonOf(z.strictObject({})), {})), (req) =>
        expectRefused(rep.token, `/v1/tasks/${taskId}/complete`, req),
      ),
      { numRuns: runs(40) },
    );
    const paths = [
      '/v1/opportunities',
      `/v1/opportunities/${dealId}/events`,
      '/v1/users',
      `/v1/users/${rep.id}/tokens`,
      `/v1/tasks/${taskId}/complete`,
    ];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...paths), fc.oneof(notJson, notObject), async (path, text) => {
        // An empty body is no body: completing a task takes none, so it is not malformed there.
        if (text === '' && path.endsWith('/complete')) return;
        const token = path.startsWith('/v1/users') ? stack.adminToken : rep.token;
        await expectRefused(token, path, text);
      }),
      { numRuns: runs(150) },
    );
    const queries = fc.oneof(
      fc.constantFrom(
        'limit=0',
        'limit=101',
        'limit=abc',
        'cursor=%%%',
        'cursor=eyJpZCI6Ii0xIn0',
        'stage=nowhere',
        'overdue=maybe',
        'unknown=1',
        'limit=-5',
      ),
      fc.string({ minLength: 1, maxLength: 20 }).map((s) => `cursor=${encodeURIComponent(s)}`),
    );
    const getPaths = ['/v1/opportunities', '/v1/tasks', `/v1/opportunities/${dealId}/events`, '/v1/users'];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...getPaths), queries, async (path, query) => {
        await expectRefused(
          path === '/v1/users' ? stack.adminToken : rep.token,
          `${path}?${query}`,
          { body: undefined, note: query },
          'GET',
        );
      }),
      { numRuns: runs(120) },
    );
    const badIds = fc.oneof(
      fc
        .string({ minLength: 1, maxLength: 40 })
        .filter(
          (s) =>
            !/^[0-9a-f-]{36}$/i.test(s) &&
            !s.includes('/') &&
            !s.includes('?') &&
            !s.includes('#') &&
            s !== '.' &&
            s !== '..',
        ),
      fc.constant('not-a-uuid'),
    );
    await fc.assert(
      fc.asyncProperty(badIds, async (badId) => {
        await expectRefused(rep.token, `/v1/opportunities/${encodeURIComponent(badId)}/events`, {
          body: { type: 'QUALIFY' },
          note: `bad id ${badId}`,
        });
      }),
      { numRuns: runs(80) },
    );
    // 1,000 of the 1,400 planned at the default counts: a property may skip a case it does not send.
    expect(sent).toBeGreaterThanOrEqual(Math.floor((planned * 5) / 7));
    expect(await state()).toEqual(before);
  });
});
