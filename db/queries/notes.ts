import { and, asc, eq } from 'drizzle-orm';
import type { Db } from '../client';
import { dealNotes, type DealNoteRow, type ProjectHandoffNote } from '../schema';
import { insertOnceByKey, keysetQuery, prepared, readPage, type Keyset, type Page, type PageRequest } from './support';
import { filterColumns } from './list-filters';

/*
 * A person's internal notes on a deal (OW1). Internal only (K1): nothing a portal user or a
 * proposal link reads may come through here.
 */

export type { DealNoteRow };

export interface NewDealNote {
  /** Derived from the RECORD_NOTE event's key: a retried write records the note once. */
  key: string;
  opportunityId: string;
  body: string;
  pinned: boolean;
  forHandoff: boolean;
  recordedBy: string;
  /** When the person wrote it: the event's time, not the write's. */
  createdAt: Date;
}

/** Records the note once per key; returns the row with that key, new or existing. */
export function recordNote(db: Db, note: NewDealNote): Promise<DealNoteRow> {
  return insertOnceByKey(db, dealNotes, note);
}

const filters = filterColumns(dealNotes, 'opportunityId', 'forHandoff');

// Newest first; with `pinnedFirst`, pinned notes lead. A note's pin and time never change, so they can key the page.
const newestFirst = {
  filters,
  order: [dealNotes.createdAt, dealNotes.id],
  descending: true,
} satisfies Keyset;
const pinnedThenNewest = {
  filters,
  order: [dealNotes.pinned, dealNotes.createdAt, dealNotes.id],
  descending: true,
} satisfies Keyset;

export interface NoteListRequest extends PageRequest {
  opportunityId: string;
  pinnedFirst?: boolean;
  /** Only the notes marked (true) or not marked (false) for the handoff. */
  forHandoff?: boolean;
}

/** A deal's notes, newest first (pinned ones first when asked), with an opaque keyset cursor (prepared). */
export function listNotes(db: Db, request: NoteListRequest): Promise<Page<DealNoteRow>> {
  const { pinnedFirst = false, ...page } = request;
  const list = pinnedFirst ? pinnedThenNewest : newestFirst;
  const statement = prepared(db, pinnedFirst ? 'deal_notes_list_pinned_first' : 'deal_notes_list', (d) =>
    keysetQuery(d.select().from(dealNotes).$dynamic(), list),
  );
  return readPage(statement, list, page);
}

/** The notes a deal's people marked for delivery, oldest first, as the project keeps them. */
export async function handoffNotesOf(db: Db, opportunityId: string): Promise<ProjectHandoffNote[]> {
  const rows = await db
    .select({ body: dealNotes.body, by: dealNotes.recordedBy, at: dealNotes.createdAt })
    .from(dealNotes)
    .where(and(eq(dealNotes.opportunityId, opportunityId), eq(dealNotes.forHandoff, true)))
    .orderBy(asc(dealNotes.createdAt), asc(dealNotes.id));
  return rows.map((row) => ({ body: row.body, by: row.by, at: row.at.toISOString() }));
}
