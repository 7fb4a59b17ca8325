/**
 * `Idempotency-Key` on POSTs: the first request with a key claims it and its answer is
 * stored; a retry with the same key and body gets the stored answer (one effect), the same
 * key with another body or route is refused (422). The claim is a lease the running request
 * renews: a retry while it runs is refused (409 with Retry-After), and a claim left by a
 * crashed process is taken over within seconds. A request refused without effect (4xx)
 * gives its key back, so the caller can fix it and retry with the same key; one that ended
 * without knowing its outcome (5xx, the deal not answering in time) keeps its claim for the
 * same request, which a retry takes over at once. The key is the Temporal update id of the
 * request, so a retry or a takeover gets the one outcome of the first attempt.
 */
import { createHash } from 'node:crypto';
import type { Request } from 'express';
import type { Db } from '../db/client';
import {
  CLAIM_LEASE_SECONDS,
  claimIdempotencyKey,
  completeIdempotencyKey,
  expireIdempotencyKey,
  keepPendingSecret,
  releaseIdempotencyKey,
  renewIdempotencyKey,
} from '../db/queries/idempotency';
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

/**
 * JSON with sorted keys, so the same body hashes the same however its keys are ordered.
 * Iterative (an explicit stack of pieces still to write), so no body can overflow the call
 * stack here, whatever its depth; `bodyShapeLimit` bounds bodies earlier anyway.
 */
export function canonicalJson(value: unknown): string {
  const out: string[] = [];
  // Either text to write as it is, or a value still to serialise; popped in writing order.
  const todo: ({ text: string } | { value: unknown })[] = [{ value }];
  while (todo.length > 0) {
    const next = todo.pop()!;
    if ('text' in next) {
      out.push(next.text);
      continue;
    }
    const current = next.value;
    if (Array.isArray(current)) {
      out.push('[');
      todo.push({ text: ']' });
      for (let i = current.length - 1; i >= 0; i--) {
        todo.push({ value: current[i] });
        if (i > 0) todo.push({ text: ',' });
      }
    } else if (current && typeof current === 'object') {
      const keys = Object.keys(current).sort();
      out.push('{');
      todo.push({ text: '}' });
      for (let i = keys.length - 1; i >= 0; i--) {
        todo.push({ value: (current as Record<string, unknown>)[keys[i]] });
        todo.push({ text: `${i > 0 ? ',' : ''}${JSON.stringify(keys[i])}:` });
      }
    } else {
      out.push(JSON.stringify(current ?? null));
    }
  }
  return out.join('');
}

export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** The key of this request, when it carries one (validated: a bad key is a 400 naming the header). */
export function idempotencyKeyOf(req: Request): string | undefined {
  const raw = req.get(IDEMPOTENCY_HEADER);
  if (raw === undefined) return undefined;
  return parse(idempotencyKeySchema, raw, 'headers', `headers.${IDEMPOTENCY_HEADER}`);
}

/** A stable id for (principal, key): the Temporal update id and the seed of derived ids. */
export const requestIdOf = (principal: Principal, key: string): string =>
  `idem-${sha256(`${principal.userId}\n${key}`).slice(0, 40)}`;

/** The running request renews its claim this often, well within CLAIM_LEASE_SECONDS. */
const CLAIM_RENEW_MS = 2_000;

/**
 * A secret the request hands out once (a proposal link token) that every attempt of the
 * request must reuse: kept with its in-flight claim, so a retry after a crash or a 503 hands
 * out the secret the first attempt already sent to the workflow. Without a key, `make()`.
 */
export async function pendingSecretOf(
  db: Db,
  principal: Principal,
  key: string | undefined,
  make: () => string,
): Promise<string> {
  if (key === undefined) return make();
  const kept = await keepPendingSecret(db, { principal: principal.userId, key }, make());
  if (kept === undefined) throw new Error('The Idempotency-Key of this request has no claim in flight');
  return kept;
}

/** Seconds until an in-flight claim renewed at `renewedAt` may be taken over (1 at least). */
const secondsUntilTakeover = (renewedAt: Date): number =>
  Math.min(
    CLAIM_LEASE_SECONDS,
    Math.max(1, Math.ceil(CLAIM_LEASE_SECONDS - (Date.now() - renewedAt.getTime()) / 1_000)),
  );

/** A refusal (4xx) happened before any effect; anything else may have reached the deal. */
const refusedWithoutEffect = (error: unknown): boolean => error instanceof DomainError && error.status < 500;

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
        errors: [
          { field: `headers.${IDEMPOTENCY_HEADER}`, message: `already used for ${row.route} with another body` },
        ],
      });
    }
    if (row.status === null) {
      throw new DomainError(
        'idempotency_in_flight',
        409,
        'A request with this Idempotency-Key is still being processed; retry after the Retry-After seconds (if it was cut off, the retry takes it over)',
        { errors: [{ field: `headers.${IDEMPOTENCY_HEADER}`, message: 'still in flight' }] },
        secondsUntilTakeover(row.createdAt),
      );
    }
    return { reply: { status: row.status, body: row.response, headers: row.headers ?? {} }, replayed: true };
  }
  let renewing: Promise<unknown> = Promise.resolve();
  const lease = setInterval(() => (renewing = renewIdempotencyKey(db, which).catch(() => undefined)), CLAIM_RENEW_MS);
  lease.unref();
  // A renewal still under way must not land after the claim is given back or expired.
  const endLease = () => {
    clearInterval(lease);
    return renewing;
  };
  let reply: Reply;
  try {
    reply = await run();
  } catch (error) {
    await endLease();
    const giveBack = refusedWithoutEffect(error) ? releaseIdempotencyKey(db, which) : expireIdempotencyKey(db, which);
    await giveBack.catch(() => undefined);
    throw error;
  }
  await endLease();
  await completeIdempotencyKey(db, which, {
    status: reply.status ?? 200,
    response: reply.replayBody ?? reply.body,
    headers: reply.headers ?? {},
  });
  return { reply, replayed: false };
}
