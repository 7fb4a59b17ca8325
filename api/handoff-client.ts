/**
 * RECORD_HANDOFF_CLIENT names the client a won deal is handed to (HO1). The API settles which
 * client that is before the deal hears of it, so the deal records one client record, never a
 * duplicate: an id must name a client that exists, and a name or domain that matches an
 * existing client reuses it. The handoff matches again when it writes the client, for a
 * client created in between.
 */
import { clientsMatching } from '../db/queries/clients';
import { clientById } from '../db/queries/handoff-reads';
import type { Db } from '../db/client';
import type { ClientRow } from '../db/schema/clients';
import { clientDomainKey, clientNameKey } from '../machines/opportunity/client-identity';
import type { DealEvent } from '../machines/opportunity';
import { badRequest, DomainError } from './errors';

type HandoffClientEvent = Extract<DealEvent, { type: 'RECORD_HANDOFF_CLIENT' }>;

/** How a refusal names a client, so the caller can choose one by `clientId`. */
export const clientCandidate = (c: Pick<ClientRow, 'id' | 'name' | 'domain'>) => ({
  id: c.id,
  name: c.name,
  domain: c.domain ?? null,
});

/** 409 `client_ambiguous`: the name or domain matches more than one client. */
const ambiguous = (matches: ClientRow[]) =>
  new DomainError(
    'client_ambiguous',
    409,
    `The name or domain matches ${matches.length} clients; choose one and send its clientId`,
    {
      candidates: matches.map(clientCandidate),
      errors: [{ field: 'clientId', message: 'required: the name or domain matches more than one client' }],
    },
  );

/** The event naming an existing client: its id and name as stored; a domain the caller gives adds to the stored one. */
function naming(event: HandoffClientEvent, client: ClientRow): HandoffClientEvent {
  const domain = event.domain ?? client.domain ?? null;
  return { ...event, clientId: client.id, name: client.name, ...(domain !== null ? { domain } : {}) };
}

/** The client of the event, as the deal should record it: with the id of the existing client it is. */
async function settled(db: Db, event: HandoffClientEvent): Promise<HandoffClientEvent> {
  if (event.clientId !== undefined) {
    const client = await clientById(db, event.clientId);
    if (!client) throw badRequest('No such client', [{ field: 'clientId', message: 'no client with this id' }]);
    return naming(event, client);
  }
  // The machine's schema requires a name when there is no id.
  const name = event.name!;
  const matches = await clientsMatching(db, {
    nameKey: clientNameKey(name),
    domain: event.domain !== undefined ? clientDomainKey(event.domain) : null,
  });
  if (matches.length > 1) throw ambiguous(matches);
  if (matches.length === 0) return event;
  return naming(event, matches[0]);
}

/** The event to send on: RECORD_HANDOFF_CLIENT settled on one client, any other event as it is. */
export async function resolveHandoffClient(db: Db, event: DealEvent): Promise<DealEvent> {
  return event.type === 'RECORD_HANDOFF_CLIENT' ? settled(db, event) : event;
}
