/** S2: the service catalogue: create, list, read and update (never delete: deactivate). */
import { z } from 'zod';
import { safeText, text } from '../../machines/opportunity';
import { documentSchema } from '../openapi/registry';
import { booleanQuery, isoDateTime, pageOf, pageQuery, uuidExample } from './common';

/** A service's stable code: lower-case letters, digits, `-` and `_`, starting with a letter or digit. */
const serviceCode = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9_-]{0,63}$/,
    'lower-case letters, digits, - and _ (at most 64, starting with a letter or digit)',
  )
  .meta({ description: 'Unique and unchangeable: the service’s identity', example: 'lead-routing' });
const serviceName = safeText({ max: 200, trim: true });
const serviceDescription = text(2_000);

export const createServiceBody = documentSchema(
  'CreateService',
  z.strictObject({ code: serviceCode, name: serviceName, description: serviceDescription.optional() }).meta({
    example: { code: 'lead-routing', name: 'Managed lead routing', description: 'After-hours call and form routing' },
  }),
);

export const updateServiceBody = documentSchema(
  'UpdateService',
  z
    .strictObject({
      name: serviceName.optional(),
      description: serviceDescription.nullable().optional().meta({ description: '`null` clears it' }),
      active: z
        .boolean()
        .optional()
        .meta({ description: '`false` deactivates: no new line item can name it; proposals keep theirs' }),
    })
    .meta({ example: { active: false } }),
);

export const serviceSchema = documentSchema(
  'Service',
  z
    .object({
      id: z.uuid(),
      code: z.string(),
      name: z.string(),
      description: z.string().nullable(),
      active: z.boolean(),
      createdAt: isoDateTime,
      updatedAt: isoDateTime,
    })
    .meta({
      example: {
        id: uuidExample,
        code: 'lead-routing',
        name: 'Managed lead routing',
        description: 'After-hours call and form routing',
        active: true,
        createdAt: '2026-06-01T09:00:00Z',
        updatedAt: '2026-06-01T09:00:00Z',
      },
    }),
);
export const servicePageSchema = documentSchema('ServicePage', pageOf(serviceSchema));
export const listServicesQuery = z.strictObject({
  active: booleanQuery.optional().meta({ description: '`true`: only active services; `false`: only inactive ones' }),
  ...pageQuery,
});
