import type { ErrorRequestHandler } from 'express';
import type { Logger } from '../infra/logger';
import { loggablePath, requestIdOf } from './request-id';

export interface FieldError {
  field: string;
  message: string;
}

/** An error with a stable code that the error middleware turns into problem+json (RFC 9457). */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
    /** Sent as `Retry-After` (seconds): when trying again makes sense. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

export const badRequest = (message: string, errors: FieldError[], status = 422) =>
  new DomainError(status === 400 ? 'malformed_request' : 'invalid_request', status, message, { errors });
export const notFound = (what: string) => new DomainError('not_found', 404, `${what} was not found`);
export const forbidden = (message: string) => new DomainError('forbidden', 403, message);

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  428: 'Precondition Required',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** SQLSTATEs and socket codes of a Postgres that is away or going away (not of a bad query). */
const PG_OUTAGE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  '57P01',
  '57P02',
  '57P03',
  '53300',
]);
/** What node-postgres says when a connection breaks or the pool cannot get one in time. */
const PG_OUTAGE_MESSAGE =
  /connection terminated|timeout exceeded when trying to connect|client has encountered a connection error|connection ended unexpectedly/i;
const GRPC_UNAVAILABLE = 14;

/** The error and its causes (drizzle and the Temporal client wrap the driver's error). */
function causeChain(error: unknown): { code?: unknown; message?: unknown; metadata?: unknown }[] {
  const chain = [];
  for (
    let e = error, depth = 0;
    e && typeof e === 'object' && depth < 6;
    e = (e as { cause?: unknown }).cause, depth += 1
  ) {
    chain.push(e as { code?: unknown; message?: unknown; metadata?: unknown });
  }
  return chain;
}

/**
 * Postgres or Temporal out of reach: a 503 the client may retry (with the same
 * Idempotency-Key), not a 500. Other errors are left alone.
 */
export function outageOf(error: unknown): DomainError | undefined {
  for (const e of causeChain(error)) {
    const isPgOutage =
      (typeof e.code === 'string' && (PG_OUTAGE_CODES.has(e.code) || /^08[0-9A-Z]{3}$/.test(e.code))) ||
      (e instanceof Error && PG_OUTAGE_MESSAGE.test(e.message));
    if (isPgOutage) {
      return new DomainError(
        'database_unavailable',
        503,
        'The database is not reachable right now; retry after the Retry-After seconds (with the same Idempotency-Key, a retry is safe)',
        {},
        5,
      );
    }
    if (e.code === GRPC_UNAVAILABLE && e.metadata !== undefined) {
      return new DomainError(
        'temporal_unavailable',
        503,
        'The workflow service is not reachable right now; retry after the Retry-After seconds (with the same Idempotency-Key, a retry is safe)',
        {},
        5,
      );
    }
  }
  return undefined;
}

/** Body-parser and other http-errors style failures carry a status and a type. */
function fromHttpError(error: {
  status?: number;
  statusCode?: number;
  type?: string;
  message?: string;
}): DomainError | undefined {
  const status = error.status ?? error.statusCode;
  if (!status || status < 400 || status >= 500) return undefined;
  if (error.type === 'entity.parse.failed')
    return badRequest('The body is not valid JSON', [{ field: 'body', message: 'invalid JSON' }], 400);
  if (error.type === 'entity.too.large')
    return new DomainError('body_too_large', 413, 'The body is larger than the limit', {
      errors: [{ field: 'body', message: 'too large' }],
    });
  if (error.type === 'encoding.unsupported' || error.type === 'charset.unsupported') {
    return new DomainError('unsupported_encoding', 415, error.message ?? 'Unsupported encoding', {
      errors: [{ field: 'body', message: 'unsupported encoding' }],
    });
  }
  return new DomainError('bad_request', status, error.message ?? 'Bad request', {
    errors: [{ field: 'body', message: error.message ?? 'bad request' }],
  });
}

export function problemMiddleware(logger: Logger): ErrorRequestHandler {
  return (error, req, res, _next) => {
    const outage = error instanceof DomainError ? undefined : outageOf(error);
    const known = error instanceof DomainError ? error : (outage ?? fromHttpError(error));
    const problem =
      known ?? new DomainError('internal', 500, 'Something went wrong on our side; the request id helps us find it');
    const requestId = requestIdOf(req, res);
    const where = { requestId, method: req.method, ...loggablePath(req.originalUrl) };
    if (!known) logger.error({ err: error, ...where }, 'unhandled error');
    if (outage) logger.warn({ err: error, ...where, code: outage.code }, 'dependency unavailable');
    if (problem.retryAfterSeconds !== undefined) res.set('Retry-After', String(problem.retryAfterSeconds));
    if (problem.status === 429 && !res.get('Retry-After')) res.set('Retry-After', '1');
    res
      .status(problem.status)
      .type('application/problem+json')
      .json({
        type: `https://opportunity-path.dev/problems/${problem.code}`,
        title: TITLES[problem.status] ?? 'Error',
        status: problem.status,
        detail: problem.message,
        code: problem.code,
        instance: req.originalUrl,
        ...problem.extra,
        // The same id as the X-Request-Id header and the request's log lines.
        requestId,
      });
  };
}
