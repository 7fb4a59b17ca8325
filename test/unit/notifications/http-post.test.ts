import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { postWebhook, type PostInput } from '../../../notifications/http-post';
import { newWebhookSecret } from '../../../notifications/secrets';
import { webhookHeaders } from '../../../notifications/signing';
import type { UrlPolicy } from '../../../notifications/url-safety';

/*
 * [NT1] One attempt against a real HTTP server on 127.0.0.1 (allowed by the policy, as a test
 * receiver must be): status, excerpt, no redirects, a bound on time and on what is read, and the
 * address check at connect time.
 */

const allowLoopback: UrlPolicy = { allowedHosts: ['127.0.0.1'] };
const TEN_MB = 10 * 1024 * 1024;

interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

let server: http.Server;
let base: string;
let port: number;
const received: Received[] = [];
let hugeOutcome: Promise<{ finished: boolean; sent: number }>;

function respond(req: http.IncomingMessage, res: http.ServerResponse): void {
  switch (req.url) {
    case '/ok':
      return void res.writeHead(200, { 'content-type': 'text/plain' }).end('fine');
    case '/fail':
      return void res.writeHead(500).end('é'.repeat(300));
    case '/nul':
      return void res.writeHead(400).end('a\u0000b');
    case '/redirect':
      return void res.writeHead(302, { location: '/landed' }).end('moved');
    case '/hang':
      return; // never answers
    case '/slow-body':
      return void res.writeHead(200).write('partial');
    case '/huge': {
      hugeOutcome = new Promise((resolve) => {
        const chunk = Buffer.alloc(64 * 1024, 'x');
        let sent = 0;
        res.on('close', () => resolve({ finished: res.writableFinished, sent }));
        const pump = () => {
          while (sent < TEN_MB) {
            sent += chunk.length;
            if (!res.write(chunk)) return void res.once('drain', pump);
          }
          res.end();
        };
        res.writeHead(200);
        pump();
      });
      return;
    }
    default:
      res.writeHead(404).end();
  }
}

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body });
      respond(req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  received.length = 0;
});

const body = JSON.stringify({ type: 'deal.won', timestamp: '2025-03-01T09:30:00.000Z', version: 1, data: {} });
function post(url: string, change: Partial<PostInput> = {}) {
  return postWebhook({
    url,
    headers: { 'content-type': 'application/json' },
    body,
    timeoutMs: 5_000,
    policy: allowLoopback,
    ...change,
  });
}

describe('[NT1] postWebhook', () => {
  it('delivers the signed body as is: 200 is ok, and the receiver verifies it', async () => {
    const secret = newWebhookSecret();
    const headers = webhookHeaders({ id: 'msg_1', timestamp: Math.floor(Date.now() / 1000), body, secrets: [secret] });
    const result = await post(`${base}/ok`, { headers });
    expect(result).toEqual({
      statusCode: 200,
      latencyMs: expect.any(Number),
      error: null,
      responseExcerpt: 'fine',
      ok: true,
    });
    expect(received).toHaveLength(1);
    const [request] = received;
    expect(request.body).toBe(body);
    expect(request.headers['content-length']).toBe(String(Buffer.byteLength(body)));
    expect(request.headers['webhook-id']).toBe('msg_1');
    expect(new Webhook(secret).verify(request.body, request.headers as Record<string, string>)).toEqual(
      JSON.parse(body),
    );
  });

  it('reports 500 as not ok with the first 256 characters of the answer (NUL made storable)', async () => {
    const result = await post(`${base}/fail`);
    expect(result).toMatchObject({ statusCode: 500, error: null, ok: false });
    expect(Array.from(result.responseExcerpt!)).toHaveLength(256);
    expect(result.responseExcerpt).toBe('é'.repeat(256));
    const nul = await post(`${base}/nul`);
    expect(nul).toMatchObject({ statusCode: 400, ok: false, responseExcerpt: 'a\uFFFDb' });
  });

  it('does not follow a redirect: 302 is a failure and the target is never asked', async () => {
    const result = await post(`${base}/redirect`);
    expect(result).toMatchObject({ statusCode: 302, ok: false, responseExcerpt: 'moved' });
    expect(received.map((r) => r.path)).toEqual(['/redirect']);
  });

  it('gives up on a receiver that never answers near timeoutMs', async () => {
    const result = await post(`${base}/hang`, { timeoutMs: 300 });
    expect(result).toMatchObject({ statusCode: null, error: 'timeout after 300 ms', ok: false, responseExcerpt: null });
    expect(result.latencyMs).toBeGreaterThanOrEqual(295);
    expect(result.latencyMs).toBeLessThan(1_500);
  });

  it('keeps the status when the answer came but its body did not finish in time', async () => {
    const result = await post(`${base}/slow-body`, { timeoutMs: 300 });
    expect(result).toMatchObject({ statusCode: 200, error: null, ok: true, responseExcerpt: 'partial' });
  });

  it('reports a closed port as an error, never a throw', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const result = await post(`http://127.0.0.1:${closedPort}/x`);
    expect(result).toMatchObject({ statusCode: null, ok: false, responseExcerpt: null });
    expect(result.error).toMatch(/^ECONNREFUSED /);
  });

  it('refuses a refused address at connect time, and no request reaches the server', async () => {
    const byName = await post(`http://localhost:${port}/ok`, { policy: { allowedHosts: [] } });
    expect(byName).toMatchObject({ statusCode: null, ok: false });
    expect(byName.error).toBe(
      'refused: localhost resolves to 127.0.0.1, a loopback address, not in WEBHOOK_ALLOWED_HOSTS',
    );
    const byAddress = await post(`${base}/ok`, { policy: { allowedHosts: [] } });
    expect(byAddress.error).toMatch(/^refused: 127\.0\.0\.1 is a loopback address/);
    const badScheme = await post(`ftp://127.0.0.1:${port}/ok`);
    expect(badScheme.error).toMatch(/^refused: the scheme ftp:/);
    expect(received).toEqual([]);
  });

  it('reads at most a few KiB of a 10 MB answer and drops the connection', async () => {
    const started = Date.now();
    const result = await post(`${base}/huge`);
    expect(result).toMatchObject({ statusCode: 200, ok: true, error: null });
    expect(result.responseExcerpt).toBe('x'.repeat(256));
    const outcome = await hugeOutcome;
    expect(outcome.finished).toBe(false);
    expect(outcome.sent).toBeLessThan(TEN_MB);
    expect(Date.now() - started).toBeLessThan(3_000);
  });
});
