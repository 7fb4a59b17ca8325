import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { UserRole } from '../machines/opportunity';
import type { Db } from '../db/client';
import { findActiveToken } from '../db/queries/auth';
import { DomainError, forbidden } from './errors';
import type { FailedAuthThrottle } from './rate-limit';

export interface Principal {
  userId: string;
  role: UserRole;
  clientId: string | null;
}

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
  }
}

/** Tokens are stored as their SHA-256: a leaked table does not leak working tokens. */
export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');
export const newToken = (): string => `opp_${randomBytes(24).toString('base64url')}`;

const unauthorized = () => new DomainError('unauthorized', 401, 'A valid bearer token is required');

const bearerOf = (req: Request): string | null => /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '')?.[1] ?? null;

/**
 * Sets `req.principal` from the bearer token. Every answer behind it, errors included, is
 * `Cache-Control: no-store`: it is one caller's data. Tokens that match nothing count against
 * the caller's address (`failedAuthThrottle`). A token of a deactivated user answers 401
 * `user_deactivated`.
 */
export function authenticate(db: Db, throttle: FailedAuthThrottle): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    res.set('Cache-Control', 'no-store');
    const token = bearerOf(req);
    if (!token) {
      res.set('WWW-Authenticate', 'Bearer');
      throw unauthorized();
    }
    throttle.check(req);
    const found = await findActiveToken(db, hashToken(token));
    if (!found) {
      throttle.recordFailure(req);
      res.set('WWW-Authenticate', 'Bearer error="invalid_token"');
      throw unauthorized();
    }
    // A deactivated user's tokens stop working at once: this is read on every request (OW1).
    if (!found.user.active) {
      res.set('WWW-Authenticate', 'Bearer error="invalid_token", error_description="the user is deactivated"');
      throw new DomainError('user_deactivated', 401, 'The user of this token is deactivated');
    }
    req.principal = { userId: found.user.id, role: found.user.role, clientId: found.user.clientId ?? null };
    next();
  };
}

/** Compares secrets in constant time (hashed first, so their lengths do not leak either). */
export const sameSecret = (given: string, expected: string): boolean =>
  timingSafeEqual(createHash('sha256').update(given).digest(), createHash('sha256').update(expected).digest());

/**
 * Who may scrape `/metrics`: the scraper's own `METRICS_TOKEN` when one is set, or the token
 * of an admin or ops user. Anyone else who can reach the port gets 401 or 403.
 */
export function metricsAccess(
  db: Db,
  options: { metricsToken?: string; throttle: FailedAuthThrottle },
): RequestHandler {
  const asUser = authenticate(db, options.throttle);
  return async (req, res, next) => {
    res.set('Cache-Control', 'no-store');
    const token = bearerOf(req);
    // Checked first: an address over its limit learns nothing, even from the right token.
    if (token) options.throttle.check(req);
    if (token && options.metricsToken && sameSecret(token, options.metricsToken)) {
      next();
      return;
    }
    await asUser(req, res, () => undefined);
    if (!['admin', 'ops'].includes(principalOf(req).role))
      throw forbidden('Metrics need an admin or ops token, or METRICS_TOKEN');
    next();
  };
}

export function principalOf(req: Request): Principal {
  if (!req.principal) throw unauthorized();
  return req.principal;
}

/** A rep acts only on the deals it owns; ops and admin on all (O1). */
export function assertCanActOn(principal: Principal, ownerId: string): void {
  if (principal.role === 'admin' || principal.role === 'ops') return;
  if (principal.role === 'rep' && principal.userId === ownerId) return;
  throw new DomainError('not_found', 404, 'The opportunity was not found');
}
