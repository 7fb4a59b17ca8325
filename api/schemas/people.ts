import { z } from 'zod';
import {
  EMAIL_PREFERENCES,
  safeText,
  STAGES,
  TASK_CLOSE_REASONS,
  TASK_KINDS,
  TASK_QUEUES,
  USER_ROLES,
} from '../../machines/opportunity';
import { TASK_STATUSES } from '../../db/schema/enums';
import { documentSchema } from '../openapi/registry';
import { booleanQuery, isoDateTime, nullableIso, ownerIdField, pageOf, pageQuery, uuidExample } from './common';

export const createUserBody = documentSchema(
  'CreateUser',
  z
    .strictObject({
      name: safeText({ max: 200, trim: true }),
      // zod's email format admits printable ASCII only, so it needs no text check of its own.
      email: z.email().max(320),
      role: z.enum(USER_ROLES),
      /** Required for `portal` (the one client the user belongs to); refused for every other role. */
      clientId: z.uuid().optional(),
    })
    .meta({ example: { name: 'Dana Rep', email: 'dana@example.com', role: 'rep' } }),
);

export const userSchema = documentSchema(
  'User',
  z.object({
    id: z.uuid(),
    name: z.string(),
    email: z.string(),
    role: z.enum(USER_ROLES),
    clientId: z.uuid().nullable(),
    createdAt: isoDateTime,
    active: z.boolean().meta({ description: 'False once deactivated: none of its tokens authenticates' }),
    deactivatedAt: nullableIso.meta({ description: 'When it was deactivated; null while active' }),
  }),
);
export const userPageSchema = documentSchema('UserPage', pageOf(userSchema));
export const listUsersQuery = z.strictObject({
  role: z.enum(USER_ROLES).optional(),
  active: booleanQuery.optional().meta({ description: '`true` for active users only, `false` for deactivated ones' }),
  ...pageQuery,
});

/** A deal still open (not handed off, not lost) that a deactivated user owns: to reassign. */
export const openDealSchema = documentSchema(
  'OpenDeal',
  z.object({ id: z.uuid(), company: z.string(), title: z.string(), stage: z.enum(STAGES) }),
);
export const deactivatedUserSchema = documentSchema(
  'DeactivatedUser',
  userSchema.extend({
    openDeals: z
      .array(openDealSchema)
      .meta({ description: 'The open deals the user owns (every one, in id order), for reassignment' }),
  }),
);

/** The body of a POST that needs nothing but its path (deactivate, reactivate, revoke). */
export const noFieldsBody = documentSchema(
  'PeopleActionBody',
  z.strictObject({}).meta({ description: 'No fields: an empty object, or no body' }),
);

export const tokenParams = z.strictObject({
  id: z.uuid().meta({ example: uuidExample }),
  tokenId: z.uuid().meta({ example: uuidExample }),
});
export const listTokensQuery = z.strictObject({ ...pageQuery });
/** A token as lists and revocations show it: never the token, never its hash. */
export const tokenListingSchema = documentSchema(
  'Token',
  z.object({
    id: z.uuid(),
    userId: z.uuid(),
    label: z.string(),
    createdAt: isoDateTime,
    revokedAt: nullableIso.meta({ description: 'When it was revoked; null while it works' }),
  }),
);
export const tokenPageSchema = documentSchema('TokenPage', pageOf(tokenListingSchema));

export const createTokenBody = documentSchema(
  'CreateToken',
  z.strictObject({ label: safeText({ max: 200, trim: true }) }).meta({ example: { label: 'laptop' } }),
);
export const tokenSchema = documentSchema(
  'NewToken',
  z
    .object({
      id: z.uuid(),
      userId: z.uuid(),
      label: z.string(),
      token: z.string().nullable(),
      note: z.string(),
      createdAt: isoDateTime,
    })
    .meta({
      example: {
        id: uuidExample,
        userId: uuidExample,
        label: 'laptop',
        token: 'opp_…',
        note: 'Shown once: only its hash is stored',
        createdAt: '2026-06-01T09:00:00Z',
      },
    }),
);

const emailPreference = z.enum(EMAIL_PREFERENCES).meta({
  description:
    '`immediate`: a mail for each task given to the person, approval waiting for them and client view of their ' +
    'proposal, and the daily digest; `digest`: the daily digest only; `off`: no email',
});
export const notificationPreferencesBody = documentSchema(
  'NotificationPreferencesUpdate',
  z.strictObject({ email: emailPreference }).meta({ example: { email: 'digest' } }),
);
export const notificationPreferencesSchema = documentSchema(
  'NotificationPreferences',
  z
    .object({ userId: z.uuid(), email: emailPreference })
    .meta({ description: 'How the person is told; `immediate` until they choose' }),
);

export const taskSchema = documentSchema(
  'Task',
  z.object({
    id: z.uuid(),
    opportunityId: z.uuid(),
    kind: z.enum(TASK_KINDS),
    title: z.string(),
    ownerId: z.string().nullable().meta({ description: 'The person it belongs to; null while it waits in `queue`' }),
    queue: z.enum(TASK_QUEUES).nullable().meta({ description: 'The named queue it waits in (`ops`), if any' }),
    dueAt: isoDateTime,
    status: z.enum(TASK_STATUSES),
    createdAt: isoDateTime,
    completedAt: nullableIso,
    closedReason: z
      .enum(TASK_CLOSE_REASONS)
      .nullable()
      .meta({ description: 'Why it closed: `completed` by a person, or no longer needed (superseded, deal lost, …)' }),
    closedNote: z.string().nullable(),
    closedBy: z.string().nullable().meta({ description: 'Who completed it, or whose event closed it' }),
  }),
);
export const taskPageSchema = documentSchema('TaskPage', pageOf(taskSchema));
export const listTasksQuery = z.strictObject({
  opportunityId: z.uuid().optional(),
  ownerId: ownerIdField.optional(),
  queue: z.enum(TASK_QUEUES).optional(),
  status: z.enum(TASK_STATUSES).optional(),
  kind: z.enum(TASK_KINDS).optional(),
  ...pageQuery,
});
