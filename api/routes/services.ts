import { createService, getService, listServices, updateService } from '../../db/queries/services';
import type { ServiceRow } from '../../db/schema';
import type { AppDeps } from '../app';
import { DomainError, notFound } from '../errors';
import { serviceResource } from '../resources/services';
import { apiRouter } from '../route-kit';
import { idParams } from '../schemas/common';
import {
  createServiceBody,
  listServicesQuery,
  servicePageSchema,
  serviceSchema,
  updateServiceBody,
} from '../schemas/services';

const INTERNAL = ['admin', 'ops', 'rep'] as const;
const KEEPERS = ['admin', 'ops'] as const;

const answer = (service: ServiceRow | null) => {
  if (!service) throw notFound('The service');
  return { body: serviceResource(service) };
};

/** S2: the catalogue of services proposal line items sell. Admin and ops keep it; every internal role reads it. */
export function serviceRoutes({ db, logger }: AppDeps) {
  const { router, add, list } = apiRouter('/v1', { db, logger });

  list(
    {
      path: '/services',
      summary: 'List the service catalogue (S2)',
      description: 'In id order with keyset pagination; `active=true` lists what a proposal line item may sell.',
      tags: ['Services'],
      roles: INTERNAL,
      query: listServicesQuery,
    },
    { of: 'services', schema: servicePageSchema, resource: serviceResource },
    ({ query }) => listServices(db, query),
  );

  add(
    {
      method: 'post',
      path: '/services',
      summary: 'Add a service to the catalogue (S2)',
      description:
        'The `code` is the service’s identity: a second service with the same code is refused (409 naming `code`). ' +
        'A service is never deleted: deactivate it (`active: false`) instead.',
      tags: ['Services'],
      roles: KEEPERS,
      body: createServiceBody,
      success: { status: 201, description: 'The new service', schema: serviceSchema, headers: ['Location'] },
      errors: [409],
    },
    async ({ body }) => {
      const service = await createService(db, body);
      if (!service) {
        throw new DomainError('service_code_taken', 409, 'A service with this code exists', {
          errors: [{ field: 'code', message: 'already taken' }],
        });
      }
      return { body: serviceResource(service), headers: { Location: `/v1/services/${service.id}` } };
    },
  );

  add(
    {
      method: 'get',
      path: '/services/:id',
      summary: 'Read one service',
      tags: ['Services'],
      roles: INTERNAL,
      params: idParams,
      success: { status: 200, description: 'The service', schema: serviceSchema },
      errors: [404],
    },
    async ({ params }) => answer(await getService(db, params.id)),
  );

  add(
    {
      method: 'post',
      path: '/services/:id',
      summary: 'Change a service’s name, description or whether it is active',
      description:
        'Only the fields sent change; the code never does. There is no delete: `active: false` deactivates the service, ' +
        'so no new proposal line item can name it while the proposals that sold it keep their link.',
      tags: ['Services'],
      roles: KEEPERS,
      params: idParams,
      body: updateServiceBody,
      success: { status: 200, description: 'The service after the change', schema: serviceSchema },
      errors: [404],
    },
    async ({ params, body }) => answer(await updateService(db, params.id, body)),
  );

  return router;
}
