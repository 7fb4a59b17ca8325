import { eq, sql } from 'drizzle-orm';
import type { ContractState, PaymentState } from '../../machines/opportunity/vocabulary';
import type { Db } from '../client';
import { contracts, type ContractRow } from '../schema';
import { definedOnly, selectOne } from './support';

export type { ContractRow };

/** W2: the facts of a contract; any subset, the rest keep their values. */
export interface ContractFacts {
  contractState?: ContractState;
  paymentState?: PaymentState;
  kickoffDate?: string | null;
  onboardingOwner?: string | null;
  launchBlockers?: string[] | null;
}

export async function upsertContract(db: Db, input: ContractFacts & { opportunityId: string }): Promise<ContractRow> {
  const { opportunityId, ...facts } = input;
  const given = definedOnly(facts);
  const [row] = await db
    .insert(contracts)
    .values({ opportunityId, ...given })
    .onConflictDoUpdate({ target: contracts.opportunityId, set: { ...given, updatedAt: sql`now()` } })
    .returning();
  return row;
}

export async function getContract(db: Db, opportunityId: string): Promise<ContractRow | null> {
  return (await selectOne(db, contracts, eq(contracts.opportunityId, opportunityId))) ?? null;
}
