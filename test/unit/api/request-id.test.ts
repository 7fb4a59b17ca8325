/**
 * The request id: taken from a safe `X-Request-Id` or made, answered in the header and in the
 * problem body, written on the request's one log line (which never holds a header, a token of
 * the URL or a query value), and put on the Workflow Updates the request sends.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Headers, WorkflowStartUpdateInput, WorkflowStartUpdateWithStartInput } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import express from 'express';
import pino from 'pino';
import { DomainError, problemMiddleware } from '../../../api/errors';
import {
  loggablePath,
  REQUEST_ID_TEMPORAL_HEADER,
  requestIdInterceptor,
  requestIds,
  requestLog,
} from '../../../api/request-id';

type Line = Record<string, unknown>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const SECRET = 'opp_Zx81kQ2mN4pR7sT0uV3wY6aB9cD2eF5g';

/** What the app does with a request: the id and log middleware first, the problem middleware last. */
function testApp(lines: Line[]) {
  const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(JSON.parse(line) as Line) });
  const headersSent: Headers[] = [];
  const app = express();
  app.use(requestIds());
  app.use(requestLog(logger));
  app.use(express.json());
  app.use((req, _res, next) => {
    if (req.get('authorization')) req.principal = { userId: 'user-1', role: 'rep', clientId: null };
    next();
  });
  app.get('/health/live', (_req, res) => res.json({ status: 'live' }));
  app.get('/p/:token', (_req, res) => res.json({ ok: true }));
  app.get('/bug', () => {
    throw new TypeError('x is undefined');
  });
  app.get('/refused', () => {
    throw new DomainError('forbidden', 403, 'no');
  });
  // What the deal gateway's client does with an update sent while this request runs.
  app.post('/update', async (_req, res) => {
    await new Promise((resolve) => setTimeout(resolve, 5));
    const input = { headers: {}, args: [] } as unknown as WorkflowStartUpdateInput;
    await requestIdInterceptor.startUpdate!(input, async (sent) => {
      headersSent.push(sent.headers);
      return { updateId: 'u', workflowRunId: 'r' };
    });
    res.json({ ok: true });
  });
  app.use(problemMiddleware(logger));
  return { app, headersSent };
}

let base: string;
let server: http.Server;
const lines: Line[] = [];
let headersSent: Headers[];

beforeAll(async () => {
  const made = testApp(lines);
  headersSent = made.headersSent;
  server = http.createServer(made.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

/** The log lines of one request, once its line is written (after the answer is sent). */
async function linesOf(requestId: string): Promise<Line[]> {
  for (let i = 0; i < 100 && !lines.some((l) => l.requestId === requestId && l.msg === 'request'); i += 1)
    await new Promise((resolve) => setTimeout(resolve, 10));
  return lines.filter((l) => l.requestId === requestId);
}

describe('the request id', () => {
  it('is the caller’s X-Request-Id when it is a safe token, in the header and in the log line', async () => {
    const answer = await fetch(`${base}/health/live`, { headers: { 'x-request-id': 'lb:7f3a.01-x' } });
    expect(answer.headers.get('x-request-id')).toBe('lb:7f3a.01-x');
    const [line] = await linesOf('lb:7f3a.01-x');
    expect(line).toMatchObject({ method: 'GET', path: '/health/live', status: 200, level: 20 });
    expect(line.durationMs).toEqual(expect.any(Number));
  });

  it.each([
    ['a space', 'a b'],
    ['a newline escape', 'a%0Ab'],
    ['129 characters', 'x'.repeat(129)],
    ['a quote', 'a"b'],
  ])('is a new uuid when the given one holds %s', async (_what, given) => {
    const answer = await fetch(`${base}/health/live`, { headers: { 'x-request-id': given } });
    expect(answer.headers.get('x-request-id')).toMatch(UUID);
  });

  it('is made when none is given, and differs from request to request', async () => {
    const ids = await Promise.all(
      [1, 2, 3].map(async () => (await fetch(`${base}/health/live`)).headers.get('x-request-id')),
    );
    for (const id of ids) expect(id).toMatch(UUID);
    expect(new Set(ids).size).toBe(3);
  });

  it('is the problem body’s requestId, on a 500 as on a 4xx, and on the request’s log lines', async () => {
    for (const [path, status] of [
      ['/bug', 500],
      ['/refused', 403],
    ] as const) {
      const answer = await fetch(`${base}${path}`);
      const body = (await answer.json()) as { requestId: string; detail: string };
      const id = answer.headers.get('x-request-id')!;
      expect([path, answer.status, body.requestId]).toEqual([path, status, id]);
      const logged = await linesOf(id);
      expect(logged.find((l) => l.msg === 'request')).toMatchObject({ path, status, level: status === 500 ? 40 : 30 });
      if (status === 500) {
        // The promise the 500 makes: the id finds the error and its stack.
        expect(body.detail).toContain('request id');
        const error = logged.find((l) => l.msg === 'unhandled error') as { err: { stack: string } };
        expect(error.err.stack).toContain('x is undefined');
      }
    }
  });

  it('is in the problem body of a body the JSON parser refuses, before any route', async () => {
    const answer = await fetch(`${base}/update`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'bad-json-1' },
      body: '{"a":',
    });
    expect(answer.status).toBe(400);
    expect(((await answer.json()) as { requestId: string }).requestId).toBe('bad-json-1');
  });

  it('rides on the Workflow Updates the request sends, as a Temporal header', async () => {
    const answer = await fetch(`${base}/update`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'update-req-1' },
      body: JSON.stringify({ a: 1 }),
    });
    expect(answer.status).toBe(200);
    const header = headersSent.at(-1)![REQUEST_ID_TEMPORAL_HEADER];
    expect(defaultPayloadConverter.fromPayload(header)).toBe('update-req-1');
  });

  it('adds nothing to an update sent outside a request', async () => {
    const sent: WorkflowStartUpdateWithStartInput[] = [];
    const input = {
      updateHeaders: { other: {} },
      workflowStartHeaders: {},
    } as unknown as WorkflowStartUpdateWithStartInput;
    await requestIdInterceptor.startUpdateWithStart!(input, async (i) => {
      sent.push(i);
      return {} as never;
    });
    expect(sent[0].updateHeaders).toEqual({ other: {} });
    expect(sent[0].workflowStartHeaders).toEqual({});
  });
});

describe('the request log line', () => {
  it('has the principal, and neither the Authorization header, nor a link token, nor query values', async () => {
    const answer = await fetch(`${base}/p/${SECRET}?email=someone%40example.com&cursor=abc`, {
      headers: { authorization: `Bearer ${SECRET}` },
    });
    expect(answer.status).toBe(200);
    const id = answer.headers.get('x-request-id')!;
    const logged = await linesOf(id);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({
      method: 'GET',
      path: '/p/[redacted]',
      query: ['email', 'cursor'],
      principalId: 'user-1',
      status: 200,
    });
    const text = JSON.stringify(logged);
    for (const secret of [SECRET, 'someone', 'abc', 'Bearer', 'authorization']) expect(text).not.toContain(secret);
  });

  it.each([
    [
      '/v1/opportunities/0b9d6c8e-2f4a-4c61-9a57-3e1f0f6c2d11/events',
      '/v1/opportunities/0b9d6c8e-2f4a-4c61-9a57-3e1f0f6c2d11/events',
    ],
    ['/v1/users/me/notification-preferences', '/v1/users/me/notification-preferences'],
    ['/p/short', '/p/[redacted]'],
    [`/v1/anything/${SECRET}/more`, '/v1/anything/[redacted]/more'],
    ['/v1/x/aB3dE6gH9jK2mN5pQ8', '/v1/x/[redacted]'],
  ])('logs %s as %s', (url, path) => {
    expect(loggablePath(url)).toEqual({ path });
  });
});
