/** Response schemas of the records the won-deal handoff writes (W1, H1, OUT1): staff views. */
import { z } from 'zod';
import { AUTOMATION_RUN_STATUSES } from '../../db/schema/enums';
import { HANDOFF_RECORDS } from '../../machines/opportunity/vocabulary';
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

const clientFields = {
  id: z.uuid(),
  name: z.string(),
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
  userId: z.uuid().nullable().meta({ description: 'The `portal` user that logs in, once there is one' }),
  name: z.string().nullable(),
  email: z.string().nullable(),
});

const connectorAccountSchema = accessSchema('ConnectorAccount', {
  provider: z.string().nullable(),
  externalAccountId: z.string().nullable(),
});

const dataSourceSchema = accessSchema('DataSource', {
  connectorAccountId: z.uuid().nullable(),
  kind: z.string().nullable(),
  name: z.string().nullable(),
});

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
    .meta({ description: 'Before the handoff every part is empty or null.' }),
);

export const clientRecordsSchema = documentSchema(
  'Client',
  z.object({ ...clientFields, ...holdings, projects: z.array(projectSchema) }),
);
