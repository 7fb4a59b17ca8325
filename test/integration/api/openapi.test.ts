import Ajv2020 from 'ajv/dist/2020';
import { httpClient } from '../../support/http';
import { servedRoutes, startExtraApp } from '../../support/api-app';
import { startTestStack, type TestStack } from '../../support/stack';

let stack: TestStack;
let doc: any;
let served: string[];

beforeAll(async () => {
  stack = await startTestStack();
  const extra = await startExtraApp(stack);
  served = servedRoutes(extra.app);
  await extra.close();
  doc = (await httpClient(stack.baseUrl).get('/openapi.json')).body;
});
afterAll(async () => {
  await stack?.stop();
});

const operations = () =>
  Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([path, item]) =>
    Object.entries(item).map(([method, op]) => ({ path, method, op })),
  );

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1 generated from the zod schemas, with valid JSON Schemas and resolvable references', async () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.title).toBeTruthy();
    const ajv = new Ajv2020({ strict: false, validateFormats: false });
    for (const [name, schema] of Object.entries(doc.components.schemas as Record<string, object>)) {
      expect([name, ajv.validateSchema(schema)]).toEqual([name, true]);
    }
    const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? [];
    for (const ref of new Set(refs)) {
      const target = ref.slice(8, -1).replace('#/', '').split('/');
      expect([ref, target.reduce((node: any, key) => node?.[key], doc) !== undefined]).toEqual([ref, true]);
    }
    for (const name of ['Opportunity', 'EventRequest', 'Problem', 'Proposal', 'Output', 'ClientProposal'])
      expect(doc.components.schemas).toHaveProperty(name);
    const eventRequest = doc.components.schemas.EventRequest;
    expect(eventRequest.oneOf.length).toBeGreaterThanOrEqual(20);
  });

  it('documents every route the app serves, each with its requests, responses, errors and examples', async () => {
    const documented = operations().map(({ path, method }) => `${method.toUpperCase()} ${path}`);
    const ours = served.filter((r) => /^(GET|POST) \/(v1|p|openapi\.json|docs|health)/.test(r));
    expect(ours.length).toBeGreaterThanOrEqual(20);
    const ids = operations().map(({ op }) => op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { path, method, op } of operations()) {
      const where = `${method} ${path}`;
      const params = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      const declared = (op.parameters ?? []).filter((p: any) => p.in === 'path').map((p: any) => p.name);
      expect([where, declared.sort()]).toEqual([where, params.sort()]);
      const statuses = Object.keys(op.responses);
      expect([where, statuses.some((s) => s.startsWith('2'))]).toEqual([where, true]);
      if (!path.startsWith('/v1') && !path.startsWith('/p/')) continue;
      expect([where, statuses.some((s) => s.startsWith('4'))]).toEqual([where, true]);
      for (const status of statuses.filter((s) => s.startsWith('4'))) {
        expect([where, status, op.responses[status].content['application/problem+json'].example.status]).toEqual([
          where,
          status,
          Number(status),
        ]);
      }
      if (method === 'post') {
        expect([where, op.requestBody?.content['application/json'].schema !== undefined]).toEqual([where, true]);
        expect([
          where,
          (op.parameters ?? []).some((p: any) => p.name === 'Idempotency-Key' && p.in === 'header'),
        ]).toEqual([where, true]);
      }
    }
    const transition = doc.paths['/v1/opportunities/{id}/events'].post;
    expect(Object.keys(transition.responses)).toEqual(expect.arrayContaining(['200', '409', '412', '422']));
    expect(transition.responses['409'].content['application/problem+json'].example.unmetGates).toBeDefined();
    // Last, so the checks above run even while another module's routes are still undocumented.
    expect(ours.filter((r) => !documented.includes(r))).toEqual([]);
  });

  it('/docs is a self-contained page that renders the document', async () => {
    const page = await httpClient(stack.baseUrl).get('/docs');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.body).toContain("fetch('/openapi.json')");
    expect(page.body).not.toMatch(/<script[^>]+src=|<link[^>]+href="http/);
  });
});
