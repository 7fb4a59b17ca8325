import type { Request, RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit, type Store } from 'express-rate-limit';
import type { Db } from '../db/client';
import { countHit, forgetWindow, pruneWindows, uncountHit } from '../db/queries/rate-limit';
import type { Logger } from '../infra/logger';
import { hashToken } from './auth';
import { DomainError } from './errors';

/** Hits this process counts between two deletions of expired windows, and how many one deletion takes at most. */
const PRUNE_EVERY_HITS = 100;
const PRUNE_BATCH = 1_000;
/** The same limiter error is logged at most this often: a Postgres outage fails every request's count. */
const ERROR_LOG_INTERVAL_MS = 60_000;

/**
 * The counts in Postgres, so every API process on the database counts against one limit.
 * Each hit is one upsert. Every PRUNE_EVERY_HITS hits, expired windows are deleted in the
 * background, PRUNE_BATCH at most: ten times the one new key a hit can add, so a flood of
 * new addresses cannot grow the table faster than it shrinks.
 */
export function postgresStore(db: Db, prefix: string, logger: LimiterLogger): Store {
  let windowMs = 60_000;
  let hitsSincePrune = 0;
  const prune = () => {
    hitsSincePrune = 0;
    pruneWindows(db, PRUNE_BATCH).catch((error: unknown) =>
      logger.error(error, 'rate limit: pruning expired windows failed'),
    );
  };
  return {
    localKeys: false,
    prefix,
    init(options) {
      windowMs = options.windowMs;
    },
    async increment(key) {
      hitsSincePrune += 1;
      if (hitsSincePrune >= PRUNE_EVERY_HITS) prune();
      const { hits, resetsAt } = await countHit(db, `${prefix}${key}`, windowMs);
      return { totalHits: hits, resetTime: resetsAt };
    },
    decrement: (key) => uncountHit(db, `${prefix}${key}`),
    resetKey: (key) => forgetWindow(db, `${prefix}${key}`),
  };
}

/** What express-rate-limit logs through. */
export interface LimiterLogger {
  warn(error: unknown): void;
  error(error: unknown, message?: string): void;
}

/** The app's logger for express-rate-limit, each distinct error message at most once a minute (with how many were left out). */
export function limiterLogger(logger: Logger, now: () => number = Date.now): LimiterLogger {
  const last = new Map<string, { at: number; suppressed: number }>();
  return {
    warn: (error) => logger.warn({ err: error }, 'rate limit'),
    error(error, message = 'rate limit error') {
      const seen = last.get(message);
      if (seen && now() - seen.at < ERROR_LOG_INTERVAL_MS) {
        seen.suppressed += 1;
        return;
      }
      logger.error({ err: error, suppressed: seen?.suppressed ?? 0 }, message);
      last.set(message, { at: now(), suppressed: 0 });
    },
  };
}

export interface RateLimitOptions {
  db: Db;
  logger: Logger;
  perMinute: number;
}

/**
 * Requests per minute per bearer token (keyed by the token's hash, never the token), or
 * per client address without one, counted in Postgres across every API process. Over the
 * limit: 429 problem+json with Retry-After. Postgres out of reach: the request goes on
 * uncounted (a sales team would rather keep working), and the error is logged once a minute.
 */
export function rateLimitPerToken({ db, logger, perMinute }: RateLimitOptions): RequestHandler {
  const log = limiterLogger(logger);
  return rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    // Processes with one limit share its counts; one with another limit (during a rolling
    // change of RATE_LIMIT_PER_MINUTE) counts apart, never judging hits made under another.
    store: postgresStore(db, `${perMinute}/min:`, log),
    passOnStoreError: true,
    logger: log,
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
