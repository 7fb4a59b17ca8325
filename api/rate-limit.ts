import type { Request, RequestHandler } from 'express';
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
      next(
        new DomainError(
          'rate_limited',
          429,
          `More than ${String(options.limit)} requests a minute for this token; retry after the Retry-After seconds`,
        ),
      ),
  });
}

/** Failed authentications a client address may make in a minute before it is refused with 429 (AUTH_FAILURES_PER_MINUTE). */
export const DEFAULT_AUTH_FAILURES_PER_MINUTE = 20;
const FAILURE_WINDOW_MS = 60_000;
/** Addresses remembered at most; past it, expired windows are dropped first (a flood of addresses cannot grow memory without end). */
const MAX_TRACKED_ADDRESSES = 50_000;

export interface FailedAuthThrottle {
  /** Refuses (429 `too_many_failed_logins`, Retry-After) an address over its limit, before its token is even looked up. */
  check(req: Request): void;
  /** Counts a token that matched no active token. */
  recordFailure(req: Request): void;
}

/**
 * Guessing tokens is throttled per client address: after `perMinute` bearer tokens that match
 * nothing, every authenticated request from that address answers 429 until its minute is
 * over, whether the next token is right or not (otherwise a guess could still tell). Only
 * failures count, so any number of valid requests from one address (a proxy, a test run)
 * is never held up by this.
 */
export function failedAuthThrottle(
  perMinute: number = DEFAULT_AUTH_FAILURES_PER_MINUTE,
  now: () => number = Date.now,
): FailedAuthThrottle {
  const windows = new Map<string, { failures: number; endsAt: number }>();
  const addressOf = (req: Request) => ipKeyGenerator(req.ip ?? 'unknown');
  const sweep = (at: number) => {
    for (const [address, window] of windows) if (window.endsAt <= at) windows.delete(address);
    // Still full of live windows: the oldest go, so memory stays bounded under a flood of addresses.
    for (const address of windows.keys()) {
      if (windows.size < MAX_TRACKED_ADDRESSES) break;
      windows.delete(address);
    }
  };
  return {
    check(req) {
      const at = now();
      const window = windows.get(addressOf(req));
      if (!window || window.endsAt <= at || window.failures < perMinute) return;
      const retryAfterSeconds = Math.max(1, Math.ceil((window.endsAt - at) / 1_000));
      throw new DomainError(
        'too_many_failed_logins',
        429,
        `More than ${perMinute} failed authentications a minute from this address; retry after the Retry-After seconds`,
        {},
        retryAfterSeconds,
      );
    },
    recordFailure(req) {
      const at = now();
      const address = addressOf(req);
      const window = windows.get(address);
      if (window && window.endsAt > at) {
        window.failures += 1;
        return;
      }
      if (windows.size >= MAX_TRACKED_ADDRESSES) sweep(at);
      windows.set(address, { failures: 1, endsAt: at + FAILURE_WINDOW_MS });
    },
  };
}
