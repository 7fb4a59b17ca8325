import type { z } from 'zod';
import { badRequest, type FieldError } from './errors';

const join = (parts: PropertyKey[]): string => parts.map(String).filter(Boolean).join('.');

/** Every issue as `{ field, message }`; an unknown field is named by its own path. */
function fieldErrors(error: z.ZodError, prefix: string): FieldError[] {
  return error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        field: join([prefix, ...issue.path, key]),
        message: `unknown field "${key}"`,
      }));
    }
    return [{ field: join([prefix, ...issue.path]) || prefix || 'body', message: issue.message }];
  });
}

export type RequestPart = 'body' | 'query' | 'params' | 'headers';

/**
 * Parses one part of a request; a failure names every field at fault. A bad body is 422
 * (well-formed JSON that is not a valid request); bad query, path or headers are 400.
 */
export function parse<T extends z.ZodType>(
  schema: T,
  value: unknown,
  part: RequestPart,
  prefix: string = part === 'body' ? '' : part,
): z.infer<T> {
  const result = schema.safeParse(value);
  if (!result.success)
    throw badRequest(`The request ${part} is invalid`, fieldErrors(result.error, prefix), part === 'body' ? 422 : 400);
  return result.data;
}
