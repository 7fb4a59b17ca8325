import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import type { Db } from '../client';
import { apiTokens, onboardingChecklists, portalUsers, users, type PortalUserRow, type UserRow } from '../schema';
import { inTransaction, rowById, selectOne } from './support';

/*
 * Portal invitations (HO1, K1): a one-time link for a portal contact the handoff recorded.
 * Only the link token's sha256 is stored, as with API tokens; accepting it spends it, makes
 * the portal user `active` and gives it its first API token, all in one transaction, so two
 * accepts of one link give one token.
 */

export type { PortalUserRow };

export function getPortalUser(db: Db, id: string): Promise<PortalUserRow | null> {
  return rowById(db, 'portal_user_by_id', portalUsers, id);
}

export type IssueOutcome =
  { issued: PortalUserRow } | { refused: 'not_found' | 'already_active'; portalUser: PortalUserRow | null };

/**
 * Stores a new invitation for the portal user, replacing any earlier one (its link stops
 * working). Refused for a portal user that accepted already: it can log in.
 */
export async function issuePortalInvitation(
  db: Db,
  input: { portalUserId: string; invitationHash: string; expiresAt: Date },
): Promise<IssueOutcome> {
  const [issued] = await db
    .update(portalUsers)
    .set({
      invitationHash: input.invitationHash,
      invitationExpiresAt: input.expiresAt,
      invitedAt: sql`now()`,
      status: 'invited',
    })
    .where(and(eq(portalUsers.id, input.portalUserId), isNull(portalUsers.acceptedAt)))
    .returning();
  if (issued) return { issued };
  const portalUser = await getPortalUser(db, input.portalUserId);
  return { refused: portalUser ? 'already_active' : 'not_found', portalUser };
}

export type AcceptOutcome =
  | { accepted: { portalUser: PortalUserRow; user: UserRow } }
  | { refused: 'unknown' | 'expired' | 'not_a_portal_login' };

/** Thrown inside the transaction to undo it; the outcome says why. */
class NotAPortalLogin extends Error {}

/**
 * The deal's onboarding checklist has an item per portal contact to invite
 * (`portal_invitation:<email>`, activities/handoff.ts): an accepted invitation is that step done.
 */
async function checkOffInvitation(tx: Db, portalUser: PortalUserRow): Promise<void> {
  const code = `portal_invitation:${portalUser.email.toLowerCase()}`;
  const items = onboardingChecklists.items;
  await tx
    .update(onboardingChecklists)
    .set({
      items: sql`(SELECT jsonb_agg(CASE WHEN item->>'code' = ${code} THEN jsonb_set(item, '{done}', 'true'::jsonb) ELSE item END ORDER BY position)
        FROM jsonb_array_elements(${items}) WITH ORDINALITY AS listed(item, position))`,
      updatedAt: sql`now()`,
    })
    .where(
      and(
        eq(onboardingChecklists.opportunityId, portalUser.opportunityId),
        sql`jsonb_typeof(${items}) = 'array' AND ${items} @> jsonb_build_array(jsonb_build_object('code', ${code}::text))`,
      ),
    );
}

/**
 * Spends an invitation: a live one (unused, unexpired) makes its portal user `active`,
 * clears the stored hash and stores a first API token (its hash) for the portal login
 * (the `users` row the handoff made for it).
 */
export async function acceptPortalInvitation(
  db: Db,
  input: { invitationHash: string; tokenHash: string; label: string },
): Promise<AcceptOutcome> {
  try {
    return await inTransaction(db, async (tx) => {
      const [portalUser] = await tx
        .update(portalUsers)
        .set({ status: 'active', acceptedAt: sql`now()`, invitationHash: null })
        .where(
          and(
            eq(portalUsers.invitationHash, input.invitationHash),
            isNull(portalUsers.acceptedAt),
            gt(portalUsers.invitationExpiresAt, sql`now()`),
          ),
        )
        .returning();
      if (!portalUser) {
        const stale = await selectOne(tx, portalUsers, eq(portalUsers.invitationHash, input.invitationHash));
        return { refused: stale ? 'expired' : 'unknown' } as const;
      }
      // Only a portal login of the same client may get the token: a row edited by hand must not hand out staff access.
      const user = await selectOne(tx, users, eq(users.id, portalUser.userId));
      if (!user || user.role !== 'portal' || user.clientId !== portalUser.clientId) throw new NotAPortalLogin();
      await tx.insert(apiTokens).values({ userId: user.id, tokenHash: input.tokenHash, label: input.label });
      await checkOffInvitation(tx, portalUser);
      return { accepted: { portalUser, user } };
    });
  } catch (error) {
    if (error instanceof NotAPortalLogin) return { refused: 'not_a_portal_login' };
    throw error;
  }
}
