import { randomUUID } from 'node:crypto';
import { closeDb, type Db } from '../../../db/client';
import {
  getOpportunity,
  insertOpportunity,
  listOpportunities,
  projectOpportunity,
  setOpportunityFlags,
  type OpportunityProjection,
} from '../../../db/queries/opportunities';
import { appendEvent, countEventsByKey, listEvents } from '../../../db/queries/events';
import { appendEventAndProject } from '../../../db/queries/record-event';
import { InvalidCursorError } from '../../../db/queries/support';
import { testDb } from '../../support/db';
import { newOpportunity } from './fixtures';

let db: Db;
beforeAll(() => {
  db = testDb();
});
afterAll(() => closeDb(db));

function projection(
  id: string,
  version: number,
  overrides: Partial<OpportunityProjection> = {},
): OpportunityProjection {
  return {
    id,
    version,
    stage: 'qualified',
    snapshot: { stage: 'qualified', version },
    ownerId: 'rep-1',
    source: 'referral',
    nextActionDescription: `action of version ${version}`,
    nextActionDueAt: new Date('2026-12-01T09:00:00.000Z'),
    nextActionOwner: 'rep-1',
    followUpPauseReasons: [],
    proposalPauseReasons: ['audit_evidence'],
    scopeState: 'unverified',
    clientSafeStatus: 'none',
    decisionDeadline: null,
    lostReason: null,
    lostDetail: null,
    reactivateAt: null,
    lostAt: null,
    ...overrides,
  };
}

describe('the opportunities read model', () => {
  it('creating the same opportunity twice keeps the first row', async () => {
    const deal = await newOpportunity(db, { title: 'first' });
    const again = await insertOpportunity(db, { ...deal, title: 'second', snapshot: {} });
    expect(again.title).toBe('first');
    expect((await getOpportunity(db, deal.id))?.title).toBe('first');
  });

  it('a projection with an older or equal version is ignored', async () => {
    const deal = await newOpportunity(db);
    expect(await projectOpportunity(db, projection(deal.id, 3, { stage: 'discovery' }))).toBe(true);
    expect(await projectOpportunity(db, projection(deal.id, 2, { stage: 'qualified' }))).toBe(false);
    expect(await projectOpportunity(db, projection(deal.id, 3, { stage: 'lead' }))).toBe(false);
    const row = await getOpportunity(db, deal.id);
    expect(row).toMatchObject({
      version: 3,
      stage: 'discovery',
      nextActionDescription: 'action of version 3',
      proposalPauseReasons: ['audit_evidence'],
    });
  });

  it('[E1] the event and its projection are written in one transaction, prepared reads included', async () => {
    const deal = await newOpportunity(db);
    const key = `${deal.workflowId}:update-1`;
    await expect(
      db.transaction(async (tx) => {
        const txDb = tx as unknown as Db;
        await appendEvent(txDb, {
          opportunityId: deal.id,
          version: 1,
          position: 1,
          idempotencyKey: key,
          eventType: 'QUALIFY',
          stageBefore: 'lead',
          stageAfter: 'qualified',
          actorId: 'rep-1',
          ownerId: 'rep-1',
          payload: {},
          nextAction: null,
          occurredAt: new Date(),
        });
        await projectOpportunity(txDb, projection(deal.id, 1));
        expect((await getOpportunity(txDb, deal.id))?.stage).toBe('qualified');
        throw new Error('crash before commit');
      }),
    ).rejects.toThrow('crash before commit');
    expect(await countEventsByKey(db, key)).toBe(0);
    expect(await getOpportunity(db, deal.id)).toMatchObject({ stage: 'lead', version: 0 });
  });

  it('[E1] one statement appends the event and projects it; a retry adds no row and an older version moves nothing', async () => {
    const deal = await newOpportunity(db);
    const event = (version: number, key: string, position = version) => ({
      opportunityId: deal.id,
      version,
      position,
      idempotencyKey: key,
      eventType: 'RECORD_QUALIFICATION',
      stageBefore: 'lead' as const,
      stageAfter: 'lead' as const,
      actorId: 'rep-1',
      ownerId: 'rep-1',
      payload: { facts: { urgency: `version ${version}` } },
      nextAction: null,
      occurredAt: new Date(),
    });
    const first = `${deal.workflowId}:update-1`;
    const unblocked = { blockedCode: null, blockedDetail: null, blockedAt: null };
    const lost = {
      lostReason: 'competitor' as const,
      lostDetail: null,
      reactivateAt: new Date('2027-03-01T00:00:00.000Z'),
      lostAt: null,
    };
    await appendEventAndProject(db, event(1, first), {
      ...projection(deal.id, 1, { stage: 'lead', ...lost }),
      overdue: true,
      dormant: false,
      ...unblocked,
    });
    await appendEventAndProject(db, event(1, first), {
      ...projection(deal.id, 1, { stage: 'qualified' }),
      overdue: false,
      dormant: true,
      ...unblocked,
    });
    expect(await countEventsByKey(db, first)).toBe(1);
    expect(await getOpportunity(db, deal.id)).toMatchObject({
      version: 1,
      stage: 'lead',
      overdue: true,
      dormant: false,
      ...lost,
      nextActionDueAt: new Date('2026-12-01T09:00:00.000Z'),
      proposalPauseReasons: ['audit_evidence'],
      snapshot: { stage: 'qualified', version: 1 },
    });

    await appendEventAndProject(db, event(2, `${deal.workflowId}:update-2`), {
      ...projection(deal.id, 2, { stage: 'qualified', followUpPauseReasons: [] }),
      overdue: false,
      dormant: false,
      ...unblocked,
    });
    await appendEventAndProject(db, event(1, `${deal.workflowId}:late`, 3), {
      ...projection(deal.id, 1, { stage: 'lost' }),
      overdue: true,
      dormant: true,
      ...unblocked,
    });
    expect(await getOpportunity(db, deal.id)).toMatchObject({
      version: 2,
      stage: 'qualified',
      overdue: false,
      dormant: false,
      lostReason: null,
      reactivateAt: null,
    });
    const rows = (await listEvents(db, { opportunityId: deal.id, limit: 10 })).items;
    expect(rows.map((row) => [row.version, row.payload])).toEqual([
      [1, { facts: { urgency: 'version 1' } }],
      [2, { facts: { urgency: 'version 2' } }],
      [1, { facts: { urgency: 'version 1' } }],
    ]);
  });

  it('[L1] a lost deal keeps its reason, context and reactivation window', async () => {
    const deal = await newOpportunity(db);
    const lost = {
      stage: 'lost' as const,
      lostReason: 'competitor' as const,
      lostDetail: 'Chose a cheaper agency',
      reactivateAt: new Date('2027-03-01T00:00:00.000Z'),
      lostAt: new Date('2026-11-25T12:00:00.000Z'),
    };
    await projectOpportunity(db, projection(deal.id, 1, lost));
    expect(await getOpportunity(db, deal.id)).toMatchObject(lost);
  });

  it('[DL1] lists overdue deals of an owner page by page with an opaque cursor', async () => {
    const ownerId = `owner-${randomUUID()}`;
    const deals = await Promise.all(Array.from({ length: 5 }, () => newOpportunity(db, { ownerId })));
    for (const deal of deals.slice(0, 4)) await setOpportunityFlags(db, { id: deal.id, overdue: true });
    await setOpportunityFlags(db, { id: deals[0].id, dormant: true });
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await listOpportunities(db, { ownerId, overdue: true, limit: 3, cursor });
      seen.push(...page.items.map((d) => d.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(
      deals
        .slice(0, 4)
        .map((d) => d.id)
        .sort(),
    );
    expect((await listOpportunities(db, { ownerId, dormant: true, limit: 10 })).items.map((d) => d.id)).toEqual([
      deals[0].id,
    ]);
    expect((await getOpportunity(db, deals[0].id))?.overdue).toBe(true);
  });

  it('filters by stage and owner', async () => {
    const ownerId = `owner-${randomUUID()}`;
    const [a, b] = [await newOpportunity(db, { ownerId }), await newOpportunity(db, { ownerId })];
    await projectOpportunity(db, projection(a.id, 1, { ownerId, stage: 'audit' }));
    await projectOpportunity(db, projection(b.id, 1, { ownerId, stage: 'proposal' }));
    const page = await listOpportunities(db, { ownerId, stage: 'audit', limit: 10 });
    expect(page.items.map((d) => d.id)).toEqual([a.id]);
    expect(page.nextCursor).toBeNull();
  });

  it('refuses a cursor it did not issue', async () => {
    await expect(listOpportunities(db, { limit: 1, cursor: 'not-a-cursor' })).rejects.toBeInstanceOf(
      InvalidCursorError,
    );
  });

  it('an unknown opportunity reads as null and its flags change nothing', async () => {
    const id = randomUUID();
    expect(await getOpportunity(db, id)).toBeNull();
    expect(await setOpportunityFlags(db, { id, overdue: true })).toBe(false);
  });
});
