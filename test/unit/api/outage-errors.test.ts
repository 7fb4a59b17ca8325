/**
 * Which errors mean "a dependency is away, retry" (503 with Retry-After) rather than a bug
 * (500): the shapes node-postgres, drizzle and the Temporal client throw.
 */
import express from 'express';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DomainError, outageOf, problemMiddleware } from '../../../api/errors';
import { createLogger } from '../../../infra/logger';

const pgError = (code: string, message = 'pg says no') => Object.assign(new Error(message), { code });
/** A gRPC status error as @grpc/grpc-js makes it (code, details, metadata). */
const grpcError = (code: number) => Object.assign(new Error(`${code} grpc`), { code, details: 'no', metadata: {} });

describe('outageOf', () => {
  it.each([
    ['connection refused', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })],
    ['admin shutdown (57P01)', pgError('57P01', 'terminating connection due to administrator command')],
    ['cannot connect now (57P03)', pgError('57P03', 'the database system is starting up')],
    ['connection failure (08006)', pgError('08006')],
    ['connection terminated', new Error('Connection terminated unexpectedly')],
    ['pool connect timeout', new Error('timeout exceeded when trying to connect')],
    ['wrapped by drizzle', Object.assign(new Error('Failed query: select 1'), { cause: pgError('57P01') })],
  ])('maps a Postgres outage (%s) to 503 database_unavailable with Retry-After 5', (_name, error) => {
    const outage = outageOf(error);
    expect(outage).toBeInstanceOf(DomainError);
    expect({ code: outage!.code, status: outage!.status, retryAfter: outage!.retryAfterSeconds }).toEqual({
      code: 'database_unavailable',
      status: 503,
      retryAfter: 5,
    });
  });

  it('maps Temporal unavailable (gRPC 14), also wrapped by the client, to 503 temporal_unavailable', () => {
    for (const error of [grpcError(14), Object.assign(new Error('Service error'), { cause: grpcError(14) })]) {
      expect(outageOf(error)).toMatchObject({ code: 'temporal_unavailable', status: 503, retryAfterSeconds: 5 });
    }
  });

  it.each([
    ['a data exception (22P05)', pgError('22P05', 'unsupported Unicode escape sequence')],
    ['a unique violation (23505)', pgError('23505')],
    ['a gRPC NOT_FOUND', grpcError(5)],
    ['a plain bug', new TypeError('x is undefined')],
    ['a number 14 that is no gRPC error', Object.assign(new Error('fourteen'), { code: 14 })],
  ])('leaves %s alone', (_name, error) => {
    expect(outageOf(error)).toBeUndefined();
  });
});

describe('problemMiddleware', () => {
  it('answers a Postgres outage with 503 problem+json and Retry-After, a bug with 500 and none', async () => {
    const app = express();
    app.get('/outage', () => {
      throw pgError('57P01');
    });
    app.get('/bug', () => {
      throw new TypeError('x is undefined');
    });
    app.use(problemMiddleware(createLogger('silent')));
    const server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const outage = await fetch(`${base}/outage`);
      expect(outage.status).toBe(503);
      expect(outage.headers.get('retry-after')).toBe('5');
      expect(outage.headers.get('content-type')).toContain('application/problem+json');
      expect(((await outage.json()) as { code: string }).code).toBe('database_unavailable');
      const bug = await fetch(`${base}/bug`);
      expect(bug.status).toBe(500);
      expect(bug.headers.get('retry-after')).toBeNull();
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
