import type { Db } from '../db/client';
import { getOpportunity, type OpportunityRow } from '../db/queries/opportunities';
import { assertCanActOn, type Principal } from './auth';
import { notFound } from './errors';
import { sha256 } from './idempotency';

/**
 * The opportunity a caller may act on: ops and admin any, a rep only its own (O1). Another
 * rep's deal answers 404 like a missing one, so ids do not leak.
 */
export async function opportunityFor(db: Db, principal: Principal, id: string): Promise<OpportunityRow> {
  const row = await getOpportunity(db, id);
  if (!row) throw notFound('The opportunity');
  assertCanActOn(principal, row.ownerId);
  return row;
}

/** A UUID (version 8, RFC 9562 custom) derived from a seed: the same seed always names the same record. */
export function uuidFromSeed(seed: string): string {
  const hex = sha256(seed).slice(0, 32).split('');
  hex[12] = '8';
  hex[16] = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  const h = hex.join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

export const etagOf = (row: { version: number }): string => `"${row.version}"`;
