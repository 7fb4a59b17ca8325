import { createHash, randomBytes } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Db } from '../db/client';
import { findActiveToken } from '../db/queries/auth';
import { DomainError, forbidden } from './errors';

export const ROLES = ['admin', 'ops', 'rep', 'portal'] as const;
export type Role = (typeof ROLES)[number];

export interface Principal {
  userId: string;
  role: Role;
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

export function authenticate(db: Db): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    const header = req.get('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) {
      res.set('WWW-Authenticate', 'Bearer');
      throw unauthorized();
    }
    const found = await findActiveToken(db, hashToken(match[1]));
    if (!found) {
      res.set('WWW-Authenticate', 'Bearer error="invalid_token"');
      throw unauthorized();
    }
    req.principal = { userId: found.user.id, role: found.user.role as Role, clientId: found.user.clientId ?? null };
    next();
  };
}

export function principalOf(req: Request): Principal {
  if (!req.principal) throw unauthorized();
  return req.principal;
}

/** Only these roles may call the route. */
export function requireRole(...roles: Role[]): RequestHandler {
  return (req, _res, next) => {
    const principal = principalOf(req);
    if (!roles.includes(principal.role)) throw forbidden(`This needs one of the roles ${roles.join(', ')}`);
    next();
  };
}

/** A rep acts only on the deals it owns; ops and admin on all (O1). */
export function assertCanActOn(principal: Principal, ownerId: string): void {
  if (principal.role === 'admin' || principal.role === 'ops') return;
  if (principal.role === 'rep' && principal.userId === ownerId) return;
  throw new DomainError('not_found', 404, 'The opportunity was not found');
}
