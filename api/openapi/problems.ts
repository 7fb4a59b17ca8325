/** The documented error answers, each with an example problem+json body. */
import type { ResponseConfig } from '@asteasolutions/zod-to-openapi';
import { problemComponent } from './registry';

const EXAMPLES: Record<number, { code: string; title: string; detail: string; extra?: Record<string, unknown> }> = {
  400: {
    code: 'malformed_request',
    title: 'Bad Request',
    detail: 'The body is not valid JSON',
    extra: { errors: [{ field: 'body', message: 'invalid JSON' }] },
  },
  401: { code: 'unauthorized', title: 'Unauthorized', detail: 'A valid bearer token is required' },
  403: { code: 'forbidden', title: 'Forbidden', detail: 'This needs one of the roles admin, ops' },
  404: { code: 'not_found', title: 'Not Found', detail: 'The opportunity was not found' },
  409: {
    code: 'transition_refused',
    title: 'Conflict',
    detail: 'Refused: unmet gates decision_owner, budget_signal',
    extra: { stage: 'lead', unmetGates: ['decision_owner', 'budget_signal'] },
  },
  410: { code: 'gone', title: 'Gone', detail: 'This proposal link no longer works; a newer version was sent' },
  412: {
    code: 'version_mismatch',
    title: 'Precondition Failed',
    detail: 'Version 2 is stale; the deal is at 3',
    extra: { currentVersion: 3 },
  },
  413: {
    code: 'body_too_large',
    title: 'Content Too Large',
    detail: 'The body is larger than the limit',
    extra: { errors: [{ field: 'body', message: 'too large' }] },
  },
  415: {
    code: 'unsupported_media_type',
    title: 'Unsupported Media Type',
    detail: 'Send application/json',
    extra: { errors: [{ field: 'headers.content-type', message: 'expected application/json' }] },
  },
  422: {
    code: 'invalid_request',
    title: 'Unprocessable Content',
    detail: 'The request body is invalid',
    extra: { errors: [{ field: 'stage', message: 'unknown field "stage"' }] },
  },
  429: {
    code: 'rate_limited',
    title: 'Too Many Requests',
    detail:
      'Too many requests for this token (or, as deal_busy, too many changes waiting on one opportunity); retry after the Retry-After seconds',
  },
  503: {
    code: 'deal_not_answering',
    title: 'Service Unavailable',
    detail:
      'The opportunity did not answer within 15 s; the change may still be applied. Retrying with the same Idempotency-Key is safe (also database_unavailable and temporal_unavailable; each with Retry-After)',
  },
};

/** Other codes a status may carry, named in its description (the body's `code` tells which). */
const ALSO: Record<number, string> = {
  409: 'or another conflict its `code` names, e.g. idempotency_in_flight (a request with the same Idempotency-Key still runs; with Retry-After)',
  422: 'or idempotency_key_reused (the Idempotency-Key was used with another body or route)',
};

/** Statuses whose answer carries `Retry-After` (409 only for idempotency_in_flight). */
const RETRY_AFTER = new Set([409, 429, 503]);

export function problemResponse(status: number): ResponseConfig {
  const e = EXAMPLES[status];
  return {
    description: e ? [`${e.title}: ${e.code}`, ALSO[status]].filter(Boolean).join(', ') : 'Error',
    ...(RETRY_AFTER.has(status)
      ? {
          headers: {
            'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'string' as const } },
          },
        }
      : {}),
    content: {
      'application/problem+json': {
        schema: problemComponent,
        example: e && {
          type: `https://opportunity-path.dev/problems/${e.code}`,
          title: e.title,
          status,
          detail: e.detail,
          code: e.code,
          instance: '/v1/...',
          requestId: '5f0c2a9e-7b1d-4e8a-9c3f-2d6b8a1e4f70',
          ...e.extra,
        },
      },
    },
  };
}
