import type { Db } from '../db/client';
import type { RecordDealEventInput } from './deal';

/**
 * Writes the bulky records an accepted event carries (proposal sections, audit evidence,
 * discovery notes, contract facts). Runs inside the event's transaction, once per event.
 */
export async function recordSideRecords(_db: Db, _input: RecordDealEventInput): Promise<void> {
  // Filled in with the API's resources (issue 6).
}
