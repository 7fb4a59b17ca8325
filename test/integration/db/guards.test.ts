import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { closeDb, type Db } from '../../../db/client';
import { appendEvent, countEventsByKey, listEvents, type NewOpportunityEvent } from '../../../db/queries/events';
import { ensureMetricBaseline } from '../../../db/queries/handoff';
import { testDb } from '../../support/db';
import { newOpportunity, pgError, refused, uniqueKey } from './fixtures';

let db: Db;
beforeAll(() => {
  db = testDb();
});
afterAll(() => closeDb(db));

function event(
  opportunityId: string,
  version: number,
  key = uniqueKey('event'),
  position = version,
): NewOpportunityEvent {
  return {
    opportunityId,
    version,
    position,
    idempotencyKey: key,
    eventType: 'QUALIFY',
    stageBefore: 'lead',
    stageAfter: 'qualified',
    actorId: 'rep-1',
    ownerId: 'rep-1',
    payload: { facts: { source: 'referral' } },
    nextAction: { description: 'Book discovery call', dueAt: '2026-12-01T10:00:00.000Z', ownerId: 'rep-1' },
    occurredAt: new Date('2026-11-25T10:00:00.000Z'),
  };
}

describe('opportunity_events is append-only', () => {
  it('[E1] records owner, timestamp, stage and next action of an event', async () => {
    const deal = await newOpportunity(db);
    expect(await appendEvent(db, event(deal.id, 1))).toBe(true);
    const { items } = await listEvents(db, { opportunityId: deal.id, limit: 10 });
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      ownerId: 'rep-1',
      stageBefore: 'lead',
      stageAfter: 'qualified',
      occurredAt: new Date('2026-11-25T10:00:00.000Z'),
      nextAction: { description: 'Book discovery call' },
    });
  });

  it('[E1] the same event written twice leaves one row', async () => {
    const deal = await newOpportunity(db);
    const key = uniqueKey('event');
    expect(await appendEvent(db, event(deal.id, 1, key))).toBe(true);
    expect(await appendEvent(db, event(deal.id, 1, key))).toBe(false);
    expect(await countEventsByKey(db, key)).toBe(1);
  });

  it('[E1] the database refuses UPDATE of an event', async () => {
    const deal = await newOpportunity(db);
    await appendEvent(db, event(deal.id, 1));
    const error = await refused(
      db,
      sql`UPDATE opportunity_events SET event_type = 'MARK_LOST' WHERE opportunity_id = ${deal.id}`,
    );
    expect(error.message).toMatch(/UPDATE on opportunity_events is not allowed/);
  });

  it('[E1] the database refuses DELETE and TRUNCATE of events', async () => {
    const deal = await newOpportunity(db);
    await appendEvent(db, event(deal.id, 1));
    expect((await refused(db, sql`DELETE FROM opportunity_events WHERE opportunity_id = ${deal.id}`)).message).toMatch(
      /DELETE on opportunity_events/,
    );
    expect((await refused(db, sql`TRUNCATE opportunity_events CASCADE`)).message).toMatch(
      /TRUNCATE on opportunity_events/,
    );
    expect((await listEvents(db, { opportunityId: deal.id, limit: 10 })).items).toHaveLength(1);
  });

  it('[E1] pages through a history with an opaque cursor', async () => {
    const deal = await newOpportunity(db);
    for (let version = 1; version <= 5; version += 1) await appendEvent(db, event(deal.id, version));
    const first = await listEvents(db, { opportunityId: deal.id, limit: 2 });
    const second = await listEvents(db, { opportunityId: deal.id, limit: 2, cursor: first.nextCursor! });
    const third = await listEvents(db, { opportunityId: deal.id, limit: 2, cursor: second.nextCursor! });
    expect([...first.items, ...second.items, ...third.items].map((e) => e.version)).toEqual([1, 2, 3, 4, 5]);
    expect(third.nextCursor).toBeNull();
  });
});

describe('nothing is deleted', () => {
  it('[L1] the database refuses DELETE of an opportunity', async () => {
    const deal = await newOpportunity(db);
    const error = await refused(db, sql`DELETE FROM opportunities WHERE id = ${deal.id}`);
    expect(error.message).toMatch(/DELETE on opportunities is not allowed/);
    expect(error.code).toBe('23001');
  });

  it('[L1] the database refuses TRUNCATE of opportunities', async () => {
    const error = await refused(db, sql`TRUNCATE opportunities CASCADE`);
    expect(error.message).toMatch(/TRUNCATE on opportunities is not allowed/);
  });

  it('[H1] metric_snapshots rows are immutable', async () => {
    const deal = await newOpportunity(db);
    const baseline = await ensureMetricBaseline(db, {
      key: uniqueKey('baseline'),
      opportunityId: deal.id,
      values: { leads: 10 },
    });
    expect(
      (await refused(db, sql`UPDATE metric_snapshots SET values = '{}' WHERE id = ${baseline.id}`)).message,
    ).toMatch(/UPDATE on metric_snapshots/);
    expect((await refused(db, sql`DELETE FROM metric_snapshots WHERE id = ${baseline.id}`)).message).toMatch(
      /DELETE on metric_snapshots/,
    );
  });

  it('[E1] an event of an unknown opportunity is refused', async () => {
    const error = await pgError(appendEvent(db, event(randomUUID(), 1)));
    expect(error.code).toBe('23503');
  });
});
