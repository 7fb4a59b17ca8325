import { flagColumnsOf, projectionOf } from '../db/projection';
import type { OpportunityRow } from '../db/queries/opportunities';
import type { DealOutcome } from '../workflows/deal/messages';

/**
 * The opportunity as a deal update left it: the deal's own columns from the update's result
 * (version, stage, machine state, flags), the others (title, company, client) from the row.
 * A retried request (same update id, same result) so answers with the outcome of its event
 * even when the deal has moved on since.
 */
export function rowAsOf(row: OpportunityRow, view: DealOutcome): OpportunityRow {
  return {
    ...row,
    ...projectionOf(view.opportunityId, view.version, view.state),
    ...flagColumnsOf(view.flags, view.blocked),
  };
}
