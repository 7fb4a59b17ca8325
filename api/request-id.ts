/**
 * Every request has an id: the caller's `X-Request-Id` when it is a safe token, otherwise a
 * new uuid. It is answered in the `X-Request-Id` header and in every problem+json body,
 * written on the request's log line, and sent with each Workflow Update the request makes
 * (a Temporal header), so one id leads from a complaint to the log and to the deal's history.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Headers, WorkflowClientInterceptor } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { Request, RequestHandler } from 'express';
import { pinoHttp } from 'pino-http';
import type { Logger } from '../infra/logger';

export const REQUEST_ID_HEADER = 'X-Request-Id';
/** The Temporal header of a Workflow Update that carries the id of the HTTP request that sent it. */
export const REQUEST_ID_TEMPORAL_HEADER = 'x-request-id';
/** What a caller's id may be: short, and nothing that could forge a log line or a header. */
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

const current = new AsyncLocalStorage<string>();

/**
 * The request's id, given on first use: the caller's when safe, else a new uuid, answered in
 * the `X-Request-Id` header at once so that every answer carries it.
 */
export function requestIdOf(req: IncomingMessage, res: ServerResponse): string {
  if (req.id === undefined) {
    const given = req.headers[REQUEST_ID_HEADER.toLowerCase()];
    req.id = typeof given === 'string' && SAFE_REQUEST_ID.test(given) ? given : randomUUID();
    if (!res.headersSent) res.setHeader(REQUEST_ID_HEADER, req.id);
  }
  return String(req.id);
}

/** The id of the request this code runs for, if it runs for one. */
export function currentRequestId(): string | undefined {
  return current.getStore();
}

/** First of the app's middleware: gives the request its id and keeps it for the code the request runs. */
export function requestIds(): RequestHandler {
  return (req, res, next) => current.run(requestIdOf(req, res), next);
}

const withRequestId = (headers: Headers): Headers => {
  const id = currentRequestId();
  return id === undefined
    ? headers
    : { ...headers, [REQUEST_ID_TEMPORAL_HEADER]: defaultPayloadConverter.toPayload(id) };
};

/**
 * Adds the request's id to every Workflow Update a request sends (and to the start of a
 * workflow an update starts); the deal's history keeps it in the update's accepted event.
 */
export const requestIdInterceptor: WorkflowClientInterceptor = {
  startUpdate: (input, next) => next({ ...input, headers: withRequestId(input.headers) }),
  startUpdateWithStart: (input, next) =>
    next({
      ...input,
      updateHeaders: withRequestId(input.updateHeaders),
      workflowStartHeaders: withRequestId(input.workflowStartHeaders),
    }),
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A path segment shaped like a secret: long, url-safe, with a digit or a capital (route words have neither). */
const TOKEN_LIKE = /^(?=.*[0-9A-Z_])[A-Za-z0-9_-]{16,}$/;

/**
 * The path as it may be logged: a proposal link's token (`/p/<token>`) and any segment shaped
 * like a token (one pasted into a URL by mistake) read `[redacted]`; the query keeps its keys
 * only, since a value could be a secret too.
 */
export function loggablePath(url: string): { path: string; query?: string[] } {
  const [pathname, search] = url.split('?', 2);
  const segments = pathname.split('/').map((segment, i, all) => {
    const secret = (i === 2 && all[1] === 'p') || (!UUID.test(segment) && TOKEN_LIKE.test(segment));
    return secret ? '[redacted]' : segment;
  });
  const keys = search === undefined ? [] : [...new Set(new URLSearchParams(search).keys())];
  return { path: segments.join('/'), ...(keys.length ? { query: keys } : {}) };
}

/** Liveness and readiness probes answer every few seconds: logged at debug unless they fail. */
const isProbe = (req: IncomingMessage) => ((req as Request).originalUrl ?? req.url ?? '').startsWith('/health/');

/** One log line per request, through the app's logger: never a header or a body, never a secret of the URL. */
export function requestLog(logger: Logger): RequestHandler {
  const line = (req: IncomingMessage, res: ServerResponse, value: Record<string, unknown>) => ({
    method: req.method,
    ...loggablePath((req as Request).originalUrl ?? req.url ?? ''),
    status: res.statusCode,
    durationMs: value.durationMs,
    ...((req as Request).principal ? { principalId: (req as Request).principal!.userId } : {}),
    // The client went away before the answer was sent.
    ...(res.writableFinished ? {} : { aborted: true }),
  });
  const middleware = pinoHttp({
    logger,
    genReqId: requestIdOf,
    quietReqLogger: true,
    quietResLogger: true,
    customAttributeKeys: { reqId: 'requestId', responseTime: 'durationMs' },
    customLogLevel: (req, res, error) =>
      error || res.statusCode >= 500 ? 'warn' : isProbe(req) && res.statusCode < 400 ? 'debug' : 'info',
    customSuccessObject: line,
    customErrorObject: (req, res, _error, value) => line(req, res, value),
    customSuccessMessage: () => 'request',
    customErrorMessage: () => 'request',
  });
  return (req, res, next) => middleware(req, res, next);
}
