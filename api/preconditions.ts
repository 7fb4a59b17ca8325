import type { Request } from 'express';
import { ifMatchSchema } from './schemas/common';
import { parse } from './validation';

/** The version an `If-Match` header asks for (`undefined` without one or for `*`); a malformed one is a 400. */
export function expectedVersionOf(req: Request): number | undefined {
  const raw = req.get('if-match');
  if (raw === undefined) return undefined;
  const value = parse(ifMatchSchema, raw.trim(), 'headers', 'headers.if-match');
  if (value === '*') return undefined;
  return Number(value.replace(/^W\//, '').replace(/"/g, ''));
}
