/**
 * The OpenAPI document and the server cannot drift (issue 19): types generated from the live
 * `/openapi.json` of the test stack with openapi-typescript must compile, a small client
 * module written against them must type-check (strict), including the calls the document
 * must refuse, and that same module, run with openapi-fetch, drives real routes while every
 * answer is checked against the document: its status is documented for the route and its
 * body matches the documented schema.
 *
 * Nothing generated is committed: the types and the client are written to a temp dir here.
 * openapi-typescript runs in a child process (scripts/generate-api-types.ts): it loads ES
 * modules, which Jest's module sandbox does not.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import createClient, { type Middleware } from 'openapi-fetch';
import ts from 'typescript';
import { startTestStack, type TestStack } from '../../support/stack';

const root = path.resolve(__dirname, '../../..');

/** The client module, type-checked against the generated types and then run. */
const CLIENT_MODULE = `
import type { Client } from 'openapi-fetch';
import type { components, paths } from './openapi';

type Schemas = components['schemas'];

/** The calls the test makes. No Idempotency-Key and no If-Match unless asked: both are optional. */
export function dealCalls(client: Client<paths>) {
  return {
    create: (body: Schemas['CreateOpportunity']) => client.POST('/v1/opportunities', { body }),
    createKeyed: (body: Schemas['CreateOpportunity'], key: string) =>
      client.POST('/v1/opportunities', { body, params: { header: { 'Idempotency-Key': key } } }),
    read: (id: string) => client.GET('/v1/opportunities/{id}', { params: { path: { id } } }),
    list: (stage: Schemas['Opportunity']['stage']) =>
      client.GET('/v1/opportunities', { params: { query: { stage, limit: '5' } } }),
    gates: () => client.GET('/v1/gates'),
    event: (id: string, body: Schemas['EventRequest'], ifMatch?: string) =>
      ifMatch === undefined
        ? client.POST('/v1/opportunities/{id}/events', { params: { path: { id } }, body })
        : client.POST('/v1/opportunities/{id}/events', { params: { path: { id }, header: { 'If-Match': ifMatch } }, body }),
  };
}

/** What the test reads of an opportunity: each field must be in the document with this type. */
export const summary = (o: Schemas['Opportunity']) => {
  const stage: string = o.stage;
  const version: number = o.version;
  const allowed: string[] = o.allowedEvents;
  return { id: o.id, company: o.company, title: o.title, stage, version, allowed };
};

/** What the test reads of a refusal. */
export const refusal = (p: Schemas['Problem']) => {
  const status: number = p.status;
  const gates: string[] = p.unmetGates ?? [];
  const current: number | undefined = p.currentVersion;
  return { status, code: p.code, gates, current };
};

export const gateCodes = (catalogue: Schemas['GateCatalogue']): string[] => catalogue.items.map((g) => g.code);

/** Never run: calls the document must refuse (an unused @ts-expect-error fails the check too). */
export function refusedByTheDocument(client: Client<paths>): void {
  // @ts-expect-error a lead needs a company
  void client.POST('/v1/opportunities', { body: { title: 'No company' } });
  // @ts-expect-error a field the document does not have (the server refuses it by name)
  const extra: Schemas['CreateOpportunity'] = { title: 'T', company: 'C', stage: 'won' };
  void extra;
  // @ts-expect-error no such route
  void client.GET('/v1/no-such-route');
  // @ts-expect-error an opportunity is read by its id
  void client.GET('/v1/opportunities/{id}', {});
  // @ts-expect-error a stage the machine does not have
  void client.GET('/v1/opportunities', { params: { query: { stage: 'nowhere' } } });
  // @ts-expect-error an event type the machine does not have
  void client.POST('/v1/opportunities/{id}/events', { params: { path: { id: 'x' } }, body: { type: 'TELEPORT' } });
}
`;

const execFileAsync = promisify(execFile);

let stack: TestStack;
let token: string;
let dir: string;
let doc: any;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'openapi-client-'));
  stack = await startTestStack();
  token = (await stack.user('rep')).token;
  doc = await (await fetch(`${stack.baseUrl}/openapi.json`)).json();
});
afterAll(async () => {
  await stack?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** openapi-typescript, through scripts/generate-api-types.ts, on the live document. */
async function generateTypes(): Promise<string> {
  const out = path.join(dir, 'openapi.ts');
  const tsx = path.join(root, 'node_modules/.bin/tsx');
  await execFileAsync(tsx, ['scripts/generate-api-types.ts', `${stack.baseUrl}/openapi.json`, out], {
    cwd: root,
    timeout: 60_000,
  });
  return out;
}

/** Every diagnostic of a strict, no-emit program over the client module (and the types it imports). */
function typeCheck(clientFile: string): string[] {
  const program = ts.createProgram([clientFile], {
    strict: true,
    noEmit: true,
    noUnusedLocals: false,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ['lib.es2022.full.d.ts'],
    types: [],
    // Checks the generated `openapi.ts` (a .ts file, not a .d.ts), not openapi-fetch's own types.
    skipLibCheck: true,
    paths: { 'openapi-fetch': [path.join(root, 'node_modules/openapi-fetch')] },
  });
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file
      ? `${path.basename(d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}`
      : '';
    return `${where} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
  });
}

/** Fails a call whose answer the document does not describe: an undocumented status, content type or body. */
function answersAsDocumented(): Middleware {
  const ajv = new Ajv2020({ strict: false, validateFormats: false });
  const compiled = new Map<string, ValidateFunction>();
  return {
    async onResponse({ request, response, schemaPath }) {
      const where = `${request.method} ${schemaPath} → ${response.status}`;
      const documented = doc.paths[schemaPath]?.[request.method.toLowerCase()]?.responses?.[String(response.status)];
      if (!documented) throw new Error(`${where}: the document has no such answer`);
      const type = (response.headers.get('content-type') ?? '').split(';')[0].trim();
      const content = documented.content?.[type];
      if (!content?.schema) throw new Error(`${where}: the document has no ${type || 'empty'} body for it`);
      const key = `${where} ${type}`;
      if (!compiled.has(key)) compiled.set(key, ajv.compile({ ...content.schema, components: doc.components }));
      const validate = compiled.get(key)!;
      if (!validate(await response.clone().json()))
        throw new Error(`${where}: the body does not match the document: ${ajv.errorsText(validate.errors)}`);
      return undefined;
    },
  };
}

describe('a client generated from the OpenAPI document', () => {
  let types: string;
  let clientFile: string;
  let calls: any;
  let read: { summary: (o: unknown) => any; refusal: (p: unknown) => any; gateCodes: (c: unknown) => string[] };

  beforeAll(async () => {
    types = await generateTypes();
    clientFile = path.join(dir, 'client.ts');
    fs.writeFileSync(clientFile, CLIENT_MODULE);
    // The checked module itself, run: it imports types only, so its JavaScript needs nothing else.
    const js = ts.transpileModule(CLIENT_MODULE, {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    fs.writeFileSync(path.join(dir, 'client.js'), js);
    read = createRequire(__filename)(path.join(dir, 'client.js'));
    const client = createClient({ baseUrl: stack.baseUrl, headers: { authorization: `Bearer ${token}` } });
    client.use(answersAsDocumented());
    calls = (read as any).dealCalls(client);
  });

  it('compiles: types from the live /openapi.json with openapi-typescript, and a strict client against them', () => {
    const source = fs.readFileSync(types, 'utf8');
    // The document says what the server does: both headers are optional.
    expect(typeCheck(clientFile)).toEqual([]);
    expect(source).toMatch(/"Idempotency-Key"\?: string;/);
    expect(source).not.toMatch(/"Idempotency-Key": string;/);
    expect(source).toMatch(/"If-Match"\?: string;/);
    expect(source).not.toMatch(/"If-Match": string;/);
  });

  it('the typecheck fails when a call does not match the document', () => {
    const wrong = path.join(dir, 'wrong.ts');
    fs.writeFileSync(
      wrong,
      `import type { Client } from 'openapi-fetch';\nimport type { paths } from './openapi';\n` +
        `export const call = (c: Client<paths>) => c.POST('/v1/opportunities', { body: { title: 'T' } });\n`,
    );
    const errors = typeCheck(wrong);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.join('\n')).toContain('company');
  });

  it('creates an opportunity without an Idempotency-Key, reads it, and replays a keyed create', async () => {
    const created = await calls.create({ title: 'Typed client', company: 'Drift Ltd' });
    expect(created.response.status).toBe(201);
    const opportunity = read.summary(created.data);
    expect(opportunity).toMatchObject({ company: 'Drift Ltd', title: 'Typed client', stage: 'lead', version: 0 });
    expect(created.response.headers.get('location')).toBe(`/v1/opportunities/${opportunity.id}`);

    const got = await calls.read(opportunity.id);
    expect(got.response.status).toBe(200);
    expect(got.response.headers.get('etag')).toBe('"0"');
    expect(read.summary(got.data)).toEqual(opportunity);

    const listed = await calls.list('lead');
    expect(listed.response.status).toBe(200);
    expect(listed.data.items.map((o: { id: string }) => o.id)).toContain(opportunity.id);

    const key = `typed-client-${opportunity.id}`;
    const first = await calls.createKeyed({ title: 'Keyed', company: 'Drift Ltd' }, key);
    const again = await calls.createKeyed({ title: 'Keyed', company: 'Drift Ltd' }, key);
    expect([first.response.status, again.response.status]).toEqual([201, 201]);
    expect(again.response.headers.get('idempotent-replayed')).toBe('true');
    expect(again.data.id).toBe(first.data.id);
  });

  it('lists the gates, and a refused event is a documented 409 naming them; a stale If-Match is a 412', async () => {
    const gates = await calls.gates();
    expect(gates.response.status).toBe(200);
    const codes = read.gateCodes(gates.data);
    expect(codes).toEqual(expect.arrayContaining(['stage', 'next_action', 'source', 'service_fit']));

    const { data } = await calls.create({ title: 'Refused move', company: 'Drift Ltd' });
    const id = read.summary(data).id;
    const refused = await calls.event(id, { type: 'QUALIFY' });
    expect(refused.response.status).toBe(409);
    expect(refused.data).toBeUndefined();
    const problem = read.refusal(refused.error);
    expect(problem).toMatchObject({ status: 409, code: 'transition_refused' });
    expect(problem.gates).toEqual(expect.arrayContaining(['next_action', 'source', 'service_fit']));
    for (const gate of problem.gates) expect(codes).toContain(gate);

    const consent = {
      type: 'RECORD_CONSENT',
      consent: 'granted',
      contactTimingValid: true,
      sourceContextValid: true,
      decisionPathVerified: true,
    };
    const recorded = await calls.event(id, consent, '"0"');
    expect(recorded.response.status).toBe(200);
    expect(recorded.response.headers.get('etag')).toBe(`"${read.summary(recorded.data).version}"`);
    const stale = await calls.event(id, consent, '"0"');
    expect(stale.response.status).toBe(412);
    expect(read.refusal(stale.error)).toMatchObject({ code: 'version_mismatch', current: 1 });
  });
});
