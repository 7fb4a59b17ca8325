/** Response schemas of the records the won-deal handoff writes (W1, H1, OUT1): staff views. */
import { z } from 'zod';
import { AUTOMATION_RUN_STATUSES } from '../../db/schema/enums';
import { CONNECTOR_ACCESS_STATES, HANDOFF_BLOCKER_CODES, HANDOFF_RECORDS } from '../../machines/opportunity/vocabulary';
import { documentSchema } from '../openapi/registry';
import { isoDate, isoDateTime, nullableIso } from './common';
import { taskSchema } from './people';

const record = { id: z.uuid(), opportunityId: z.uuid().meta({ description: 'The deal whose handoff wrote it' }) };
/** A client's access or data record: its handoff fields, its status and when the handoff wrote it. */
const accessRecord = { ...record, status: z.string(), createdAt: isoDateTime };
const accessSchema = (name: string, fields: z.ZodRawShape) =>
  documentSchema(name, z.object({ ...accessRecord, ...fields }));

const contactSchema = documentSchema(
  'ClientContact',
  z.object({
    id: z.uuid(),
    name: z.string(),
    email: z.string().nullable(),
    phone: z.string().nullable(),
    role: z.string().nullable(),
    opportunityId: z.uuid().nullable(),
    createdAt: isoDateTime,
  }),
);

/** One reason a won deal's handoff waits (HO1). */
export const handoffBlockerSchema = documentSchema(
  'HandoffBlocker',
  z.object({
    code: z.string().meta({
      description: `Why the handoff waits: ${HANDOFF_BLOCKER_CODES.map((c) => `\`${c}\``).join(', ')}`,
      example: 'connector_access',
    }),
    ref: z.string().nullable().meta({
      description: 'What it is about, when there is one thing: a connector id, a handoff step',
      example: 'hubspot',
    }),
    detail: z.string().meta({ example: 'access to HubSpot account portal 4411 is requested' }),
  }),
);

const clientFields = {
  id: z.uuid(),
  name: z.string(),
  domain: z.string().nullable().meta({ description: 'Lower-case host name without `www.`; unique across clients' }),
  opportunityId: z.uuid().meta({ description: 'The won deal whose handoff created the client' }),
  createdAt: isoDateTime,
  contacts: z.array(contactSchema),
};

const clientServiceSchema = documentSchema(
  'ClientService',
  z.object({
    ...record,
    serviceId: z.uuid().nullable().meta({ description: 'The catalogue service, when there is one' }),
    name: z.string().nullable(),
    status: z.string(),
    startsAt: nullableIso,
    createdAt: isoDateTime,
  }),
);

const projectFields = {
  ...record,
  clientId: z.uuid(),
  name: z.string(),
  ownerId: z.string().meta({ description: "The contract's onboarding owner" }),
  status: z.string(),
  kickoffDate: isoDate.nullable(),
  scope: z.string().meta({ description: "The approved proposal's scope text, as it was when the deal was won" }),
  lineItems: z
    .array(
      z.object({
        description: z.string(),
        quantity: z.int(),
        unitPriceCents: z.int(),
        serviceId: z.uuid().nullable(),
      }),
    )
    .meta({ description: "The approved proposal's line items, as they were when the deal was won" }),
  createdAt: isoDateTime,
};
const projectSchema = documentSchema('Project', z.object(projectFields));

const checklistSchema = documentSchema(
  'OnboardingChecklist',
  z.object({
    id: z.uuid(),
    ownerId: z.string(),
    items: z
      .array(z.object({ code: z.string(), title: z.string(), done: z.boolean() }))
      .meta({ description: 'Each launch blocker of the contract is an open item (`launch_blocker_<n>`)' }),
    updatedAt: isoDateTime,
  }),
);

const portalUserSchema = accessSchema('PortalUser', {
  contactId: z.uuid().nullable(),
  userId: z.uuid().meta({ description: 'The `portal` user that logs in once the invitation is accepted' }),
  name: z.string(),
  email: z.string(),
  invitedAt: nullableIso.meta({
    description: 'When the current invitation was issued (`POST /v1/portal-users/{id}/invitation`)',
  }),
  invitationExpiresAt: nullableIso,
  acceptedAt: nullableIso.meta({ description: 'When the invitation was accepted: the status is then `active`' }),
});

const connectorAccountSchema = accessSchema('ConnectorAccount', {
  connectorRef: z.string().nullable().meta({ description: "The deal's `connectorId` for the account" }),
  provider: z.string(),
  externalAccountId: z.string().meta({ description: 'The account reference recorded on the deal' }),
});

const dataSourceSchema = accessSchema('DataSource', {
  sourceRef: z.string().nullable().meta({ description: "The deal's `sourceId` for the source" }),
  connectorAccountId: z.uuid(),
  kind: z.string(),
  name: z.string(),
});

/** What the deal recorded for delivery before the win (HO1): the facts the handoff writes its records from. */
const handoffContextSchema = documentSchema(
  'HandoffContext',
  z
    .object({
      client: z
        .object({
          clientId: z
            .uuid()
            .nullable()
            .meta({ description: 'An existing client; null: a new client the handoff creates' }),
          name: z.string(),
          domain: z.string().nullable(),
        })
        .nullable(),
      portalContacts: z.array(z.object({ name: z.string(), email: z.string() })),
      connectorAccounts: z.array(
        z.object({
          connectorId: z.string(),
          provider: z.string(),
          accountRef: z.string(),
          access: z.enum(CONNECTOR_ACCESS_STATES),
          recordedAt: isoDateTime,
          recordedBy: z.string(),
        }),
      ),
      dataSources: z.array(
        z.object({ sourceId: z.string(), kind: z.string(), name: z.string(), connectorId: z.string() }),
      ),
      reportingBaseline: z.array(
        z.object({
          metric: z.string(),
          value: z.number(),
          unit: z.string(),
          period: z.string(),
          measuredIn: z.string(),
        }),
      ),
      servicesSold: z.array(z.object({ id: z.uuid(), code: z.string().nullable(), name: z.string().nullable() })).meta({
        description: 'Each catalogue service sold, with its code and name (null if no longer in the catalogue)',
      }),
    })
    .nullable()
    .meta({ description: "Null only when the deal's stored state cannot be read" }),
);

const holdings = {
  clientServices: z.array(clientServiceSchema),
  portalUsers: z.array(portalUserSchema),
  connectorAccounts: z.array(connectorAccountSchema),
  dataSources: z.array(dataSourceSchema),
};

export const dealHandoffSchema = documentSchema(
  'DealHandoff',
  z
    .object({
      opportunityId: z.uuid(),
      context: handoffContextSchema,
      blockers: z
        .array(handoffBlockerSchema)
        .meta({ description: 'What holds the handoff up while the deal waits in `won`; empty when nothing does' }),
      blockerTasks: z
        .array(taskSchema)
        .meta({ description: 'The ops tasks opened for the blockers (`handoff_blocker`), open and closed' }),
      client: z.object(clientFields).nullable(),
      ...holdings,
      project: z
        .object({
          ...projectFields,
          tasks: z
            .array(taskSchema)
            .meta({ description: 'The deal’s delivery tasks: the kickoff and each launch blocker' }),
          onboardingChecklist: checklistSchema.nullable(),
        })
        .nullable(),
      reportingBaseline: z
        .object({
          id: z.uuid(),
          dataSourceId: z.uuid().nullable(),
          periodStart: nullableIso,
          periodEnd: nullableIso,
          values: z.record(z.string(), z.unknown()),
          capturedAt: isoDateTime,
        })
        .nullable()
        .meta({ description: 'The `reporting_baseline` metric snapshot of the deal' }),
      automationRuns: z.array(
        z.object({
          step: z.string(),
          status: z.enum(AUTOMATION_RUN_STATUSES),
          detail: z.unknown(),
          createdAt: isoDateTime,
        }),
      ),
      complete: z
        .object({
          ...Object.fromEntries(HANDOFF_RECORDS.map((r) => [r, z.boolean()])),
          all: z.boolean(),
        })
        .meta({ description: 'Which W1 records the deal has, as the handoff checks them; `all` when every one' }),
    })
    .meta({
      description: 'Before the handoff every record is empty or null; `context` is what the deal recorded for it.',
    }),
);

export const clientRecordsSchema = documentSchema(
  'Client',
  z.object({ ...clientFields, ...holdings, projects: z.array(projectSchema) }),
);
