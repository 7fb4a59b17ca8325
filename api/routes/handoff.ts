import { handoffRecords } from '../../db/queries/handoff';
import { clientRecords, dealHandoffRecords, ownsDealOfClient } from '../../db/queries/handoff-reads';
import { servicesByIds } from '../../db/queries/services';
import type { AppDeps } from '../app';
import { opportunityFor } from '../access';
import { notFound } from '../errors';
import { clientRecordsResource, dealHandoffResource, servicesSoldIds } from '../resources/handoff';
import { apiRouter } from '../route-kit';
import { idParams } from '../schemas/common';
import { clientRecordsSchema, dealHandoffSchema } from '../schemas/handoff';

/** The records the won-deal handoff wrote, read by staff (W1, H1, OUT1): one deal's, and one client's. */
export function handoffRoutes({ db, logger }: AppDeps) {
  const { router, add } = apiRouter('/v1', { db, logger });

  add(
    {
      method: 'get',
      path: '/opportunities/:id/handoff',
      summary: "A deal's handoff: the context it recorded, what blocks it, and the records it made",
      description:
        '`context`: what the deal recorded for delivery (HO1): the client, portal contacts, connector accounts with their access, data sources, ' +
        'the reporting baseline and the services sold with their catalogue names. `blockers`: what holds the handoff up while the deal waits in `won`, ' +
        'with the ops tasks opened for them (`blockerTasks`). Then the records the handoff wrote, with their values: the client with its contacts, ' +
        'the client services, the project with its scope, line items, delivery tasks and onboarding checklist (OUT1), portal users (status, invited, accepted), ' +
        'connector accounts, data sources, the reporting baseline, every automation run of the handoff, and `complete`: which W1 records exist. ' +
        'Before the handoff every record is empty or null. A rep reads only its own deals (others answer 404).',
      tags: ['Handoff'],
      roles: ['admin', 'ops', 'rep'],
      params: idParams,
      errors: [404],
      success: { status: 200, description: 'The handoff records of the deal', schema: dealHandoffSchema },
    },
    async ({ principal, params }) => {
      const opportunity = await opportunityFor(db, principal, params.id);
      const [records, present, catalogue] = await Promise.all([
        dealHandoffRecords(db, opportunity),
        handoffRecords(db, opportunity.id),
        servicesByIds(db, servicesSoldIds(opportunity)),
      ]);
      return { body: dealHandoffResource(opportunity, records, present, catalogue) };
    },
  );

  add(
    {
      method: 'get',
      path: '/clients/:id',
      summary: 'A client with its contacts, services, projects, portal users, connector accounts and data sources',
      description:
        'Admin and ops read any client; a rep only a client of a deal it owns (any other answers 404, like a missing one).',
      tags: ['Handoff'],
      params: idParams,
      success: { status: 200, description: 'The client', schema: clientRecordsSchema },
      errors: [404],
      roles: ['admin', 'ops', 'rep'],
    },
    async ({ principal, params }) => {
      if (principal.role === 'rep' && !(await ownsDealOfClient(db, params.id, principal.userId)))
        throw notFound('The client');
      const records = await clientRecords(db, params.id);
      if (!records) throw notFound('The client');
      return { body: clientRecordsResource(records) };
    },
  );

  return router;
}
