/** A deal's internal notes (OW1): staff only, never a portal or proposal-link answer (K1). */
import { z } from 'zod';
import { documentSchema } from '../openapi/registry';
import { booleanQuery, isoDateTime, pageOf, pageQuery } from './common';

export const noteSchema = documentSchema(
  'DealNote',
  z.object({
    id: z.uuid(),
    opportunityId: z.uuid(),
    body: z.string(),
    pinned: z.boolean(),
    forHandoff: z.boolean().meta({ description: 'Travels with the handoff to the delivery project' }),
    author: z
      .object({ id: z.string(), name: z.string().nullable() })
      .meta({ description: 'Who wrote it, id and name (name null when the id names no user)' }),
    createdAt: isoDateTime,
  }),
);
export const notePageSchema = documentSchema('DealNotePage', pageOf(noteSchema));

export const listNotesQuery = z.strictObject({
  forHandoff: booleanQuery
    .optional()
    .meta({ description: '`true`: only the notes marked for the handoff; `false`: only the others' }),
  ...pageQuery,
});
