/**
 * Values a column can hold that a response cannot show. Postgres stores timestamps from
 * 4713 BC to 294276 AD and `infinity`; JavaScript dates span ±273,790 years around 1970 and
 * drizzle maps anything it cannot parse (a BC date, infinity) to an Invalid Date, whose
 * `toISOString()` throws. Rendering goes through these helpers so no stored value can throw.
 */
import { DomainError } from '../errors';

const isReadableDate = (value: Date): boolean => Number.isFinite(value.getTime());

/** ISO 8601 of a timestamp; null when there is none or when it cannot be shown (see `unreadableColumns`). */
export const iso = (value: Date | null | undefined): string | null =>
  value instanceof Date && isReadableDate(value) ? value.toISOString() : null;

/** The keys of a row whose timestamp cannot be shown: such a row renders those fields as null. */
export function unreadableColumns(row: object): string[] {
  return Object.entries(row)
    .filter(([, value]) => value instanceof Date && !isReadableDate(value))
    .map(([key]) => key);
}

/**
 * A read that needs a stored value which cannot be shown (e.g. the outputs of a deal whose
 * machine snapshot is not one): a clear 500 naming the record and the fields, for ops to repair.
 */
export const unreadableRecord = (id: string, fields: string[]) =>
  new DomainError(
    'unreadable_record',
    500,
    `The stored record ${id} cannot be read (${fields.join(', ')}); ask ops to repair it`,
    { id, fields },
  );
