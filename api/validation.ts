import type { z } from 'zod';
import { badRequest, type FieldError } from './errors';

export function fieldErrors(error: z.ZodError, prefix: string): FieldError[] {
  return error.issues.map((issue) => ({
    field: [prefix, ...issue.path.map(String)].filter(Boolean).join('.'),
    message: issue.message,
  }));
}

/** Parses one part of a request; a failure is a 4xx naming every field at fault. */
export function parse<T extends z.ZodType>(schema: T, value: unknown, part: 'body' | 'query' | 'params' | 'headers'): z.infer<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw badRequest(`The request ${part} is invalid`, fieldErrors(result.error, part === 'body' ? '' : part), part === 'body' ? 422 : 400);
  return result.data;
}
