/**
 * `Idempotency-Key` on POSTs: the first request with a key claims it and its answer is
 * stored; a retry with the same key and body gets the stored answer (one effect), the same
 * key with another body or route is refused (422), and a retry while the first is still
 * running is refused (409). A request that fails (4xx/5xx) gives its key back, so the
 * caller can fix it and retry with the same key; the key also becomes the Temporal update
 * id of the request, so even then the deal's workflow applies the event once.
 */
import { createHash } from 'node:crypto';
import type { Request } from 'express';
import type { Db } from '../db/client';
import { claimIdempotencyKey, completeIdempotencyKey, releaseIdempotencyKey } from '../db/queries/idempotency';
import type { Principal } from './auth';
import { DomainError } from './errors';
import { IDEMPOTENCY_HEADER, idempotencyKeySchema } from './schemas/common';
import { parse } from './validation';

export interface Reply {
  status?: number;
  body: unknown;
  headers?: Record<string, string>;
  /** What a replay answers instead of `body` (e.g. without a secret shown once). */
  replayBody?: unknown;
}

/** JSON with sorted keys, so the same body hashes the same however its keys are ordered. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.keys(value as object)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** The key of this request, when it carries one (validated: a bad key is a 400 naming the header). */
export function idempotencyKeyOf(req: Request): string | undefined {
  const raw = req.get(IDEMPOTENCY_HEADER);
  if (raw === undefined) return undefined;
  return parse(idempotencyKeySchema, raw, 'headers', `headers.${IDEMPOTENCY_HEADER}`);
}

/** A stable id for (principal, key): the Temporal update id and the seed of derived ids. */
export const requestIdOf = (principal: Principal, key: string): string => `idem-${sha256(`${principal.userId}\n${key}`).slice(0, 40)}`;

export async function withIdempotency(
  db: Db,
  req: Request,
  principal: Principal,
  key: string | undefined,
  run: () => Promise<Reply>,
): Promise<{ reply: Reply; replayed: boolean }> {
  if (key === undefined) return { reply: await run(), replayed: false };
  const which = { principal: principal.userId, key };
  const route = `${req.method} ${req.baseUrl}${req.path}`;
  const bodyHash = sha256(canonicalJson(req.body ?? null));
  const claim = await claimIdempotencyKey(db, { ...which, route, bodyHash });
  if (!claim.claimed) {
    const { row } = claim;
    if (row.route !== route || row.bodyHash !== bodyHash) {
      throw new DomainError('idempotency_key_reused', 422, 'This Idempotency-Key was used with another request', {
        errors: [{ field: `headers.${IDEMPOTENCY_HEADER}`, message: `already used for ${row.route} with another body` }],
      });
    }
    if (row.status === null) {
      throw new DomainError('idempotency_in_flight', 409, 'A request with this Idempotency-Key is still being processed; retry shortly', {
        errors: [{ field: `headers.${IDEMPOTENCY_HEADER}`, message: 'still in flight' }],
      });
    }
    return { reply: { status: row.status, body: row.response, headers: row.headers ?? {} }, replayed: true };
  }
  let reply: Reply;
  try {
    reply = await run();
  } catch (error) {
    await releaseIdempotencyKey(db, which).catch(() => undefined);
    throw error;
  }
  await completeIdempotencyKey(db, which, { status: reply.status ?? 200, response: reply.replayBody ?? reply.body, headers: reply.headers ?? {} });
  return { reply, replayed: false };
}
