import type { RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { hashToken } from './auth';
import { DomainError } from './errors';

/**
 * Requests per minute per bearer token (keyed by the token's hash, never the token), or
 * per client address without one. Over the limit: 429 problem+json with Retry-After.
 */
export function rateLimitPerToken(perMinute: number): RequestHandler {
  return rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: (req) => {
      const match = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '');
      return match ? `token:${hashToken(match[1])}` : `ip:${ipKeyGenerator(req.ip ?? 'unknown')}`;
    },
    handler: (_req, _res, next, options) =>
      next(new DomainError('rate_limited', 429, `More than ${String(options.limit)} requests a minute for this token; retry after the Retry-After seconds`)),
  });
}
