import { listNotes, type DealNoteRow } from '../../db/queries/notes';
import { userNames } from '../../db/queries/users-lookup';
import type { AppDeps } from '../app';
import { opportunityFor } from '../access';
import { iso } from '../resources/unreadable';
import { apiRouter } from '../route-kit';
import { idParams } from '../schemas/common';
import { listNotesQuery, notePageSchema } from '../schemas/notes';

type NamedNote = DealNoteRow & { authorName: string | null };

const noteResource = (n: NamedNote) => ({
  id: n.id,
  opportunityId: n.opportunityId,
  body: n.body,
  pinned: n.pinned,
  forHandoff: n.forHandoff,
  author: { id: n.recordedBy, name: n.authorName },
  createdAt: iso(n.createdAt),
});

/**
 * A deal's internal notes (OW1), for the staff who may act on the deal. Mounted behind the
 * staff roles only: no portal route and no proposal link reads notes (K1).
 */
export function noteRoutes(deps: AppDeps) {
  const { db } = deps;
  const { router, list } = apiRouter('/v1', deps);

  list(
    {
      path: '/opportunities/:id/notes',
      summary: "The deal's internal notes, pinned first, then newest first",
      description:
        'Notes are written with the event `RECORD_NOTE` (`attachments.body`; `pinned`, `forHandoff`) on `POST /v1/opportunities/{id}/events` ' +
        'and appear in its timeline too. Internal (K1): never shown to portal users or through proposal links; `forHandoff` notes travel to the delivery project. ' +
        'A rep reads the notes of its own deals.',
      tags: ['Notes'],
      roles: ['admin', 'ops', 'rep'],
      params: idParams,
      query: listNotesQuery,
      errors: [404],
    },
    { of: 'notes', schema: notePageSchema, resource: noteResource },
    async ({ principal, params, query }) => {
      await opportunityFor(db, principal, params.id);
      const page = await listNotes(db, { ...query, opportunityId: params.id, pinnedFirst: true });
      const names = await userNames(
        db,
        page.items.map((n) => n.recordedBy),
      );
      return { ...page, items: page.items.map((n) => ({ ...n, authorName: names.get(n.recordedBy) ?? null })) };
    },
  );

  return router;
}
