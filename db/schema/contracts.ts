import { date, pgTable, text } from 'drizzle-orm/pg-core';
import { createdAt, id, opportunityRef, updatedAt } from './columns';
import { contractStateEnum, paymentStateEnum } from './enums';

/** W2: one contract record per deal with the facts the handoff inherits. */
export const contracts = pgTable('contracts', {
  id: id(),
  opportunityId: opportunityRef().unique(),
  contractState: contractStateEnum('contract_state').notNull().default('not_started'),
  paymentState: paymentStateEnum('payment_state').notNull().default('not_invoiced'),
  kickoffDate: date('kickoff_date', { mode: 'string' }),
  onboardingOwner: text('onboarding_owner'),
  /** Null until recorded; an empty list means "no blockers". */
  launchBlockers: text('launch_blockers').array(),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});
export type ContractRow = typeof contracts.$inferSelect;
