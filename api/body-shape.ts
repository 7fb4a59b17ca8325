/**
 * A limit on the shape of a parsed JSON body, checked right after the body parser and
 * before any code that recurses over the body (the Idempotency-Key hash, zod). The size
 * limit alone does not bound it: 100 kB of `[` nests 50,000 deep.
 */
import type { RequestHandler } from 'express';
import { DomainError } from './errors';

/** Containers nested deeper than this are refused (the deepest request body needs 4). */
export const MAX_BODY_DEPTH = 32;
/** Values plus object keys; the largest request body (200 line items) needs about 2,000. */
export const MAX_BODY_NODES = 10_000;

/**
 * Why `body` is too deep or too large a structure, or undefined when it is within the limits.
 * Iterative (an explicit stack), so any depth is walked without growing the call stack.
 */
export function bodyShapeIssue(body: unknown): string | undefined {
  if (body === null || typeof body !== 'object') return undefined;
  const stack: { value: object; depth: number }[] = [{ value: body, depth: 1 }];
  let nodes = 1;
  while (stack.length > 0) {
    const { value, depth } = stack.pop()!;
    if (depth > MAX_BODY_DEPTH) return `nested deeper than ${MAX_BODY_DEPTH} levels`;
    const children = Array.isArray(value) ? (value as unknown[]) : Object.values(value);
    // An object's keys count as well as its values.
    nodes += Array.isArray(value) ? children.length : 2 * children.length;
    if (nodes > MAX_BODY_NODES) return `more than ${MAX_BODY_NODES} values and keys`;
    for (const child of children) {
      if (child !== null && typeof child === 'object') stack.push({ value: child, depth: depth + 1 });
    }
  }
  return undefined;
}

/** Refuses a parsed body past the limits with 422 `body_too_complex`, naming `body`. */
export function bodyShapeLimit(): RequestHandler {
  return (req, _res, next) => {
    const issue = bodyShapeIssue(req.body);
    if (issue === undefined) return next();
    next(
      new DomainError('body_too_complex', 422, `The body is too complex: ${issue}`, {
        errors: [{ field: 'body', message: issue }],
      }),
    );
  };
}
