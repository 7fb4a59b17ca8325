import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type ErrorRequestHandler } from 'express';
import { requestMetrics } from '../../../api/metrics/http';
import { httpRequests } from '../../../api/metrics/registry';

/** The app's shape: routers mounted under /v1, errors answered by an app-level handler after the router has exited. */
function app(): express.Express {
  const v1 = express.Router();
  v1.get('/things/:id', (req, res) => {
    if (req.params.id !== 'ok') throw Object.assign(new Error('no such thing'), { status: 404 });
    res.json({ id: req.params.id });
  });
  const outer = express.Router();
  outer.use(v1);
  const answerErrors: ErrorRequestHandler = (error, _req, res, _next) =>
    res.status((error as { status?: number }).status ?? 500).json({});
  return express().use(requestMetrics()).use('/v1', outer).use(answerErrors);
}

const countsByRoute = async (): Promise<Record<string, number>> =>
  Object.fromEntries(
    (await httpRequests.get()).values.map((value) => [`${value.labels.route} ${value.labels.status}`, value.value]),
  );

describe('http_requests_total route labels', () => {
  it('names a route by its full pattern, /v1 included, whether it answers or fails', async () => {
    const server = http.createServer(app());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      httpRequests.reset();
      expect((await fetch(`${base}/v1/things/ok`)).status).toBe(200);
      expect((await fetch(`${base}/v1/things/missing`)).status).toBe(404);
      expect((await fetch(`${base}/elsewhere`)).status).toBe(404);
      expect(await countsByRoute()).toEqual({ '/v1/things/:id 200': 1, '/v1/things/:id 404': 1, 'unmatched 404': 1 });
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
