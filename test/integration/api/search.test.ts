/**
 * SR1: finding deals through `GET /v1/opportunities` on the real stack — text search, each
 * filter, each sort both ways with a cursor walk, the cursor's guarantee under concurrent
 * writes, and bad or hostile parameters.
 *
 * The deals are written straight into the read model (the list reads Postgres only, never the
 * workflows), each with the snapshot of one real deal opened through the API, so every field a
 * test filters or sorts on has exactly the value it sets. The database is shared with other test
 * files: every test lists the deals of an owner of its own.
 */
import { randomUUID } from 'node:crypto';
import { eq, inArray, sql } from 'drizzle-orm';
import { opportunities } from '../../../db/schema';
import { useStackWithRep } from '../../support/api-stack';
import { httpClient, type HttpResponse } from '../../support/http';

const ctx = useStackWithRep();
const admin = () => httpClient(ctx.stack.baseUrl, ctx.stack.adminToken);
let snapshot: unknown;

beforeAll(async () => {
  const rep = httpClient(ctx.stack.baseUrl, ctx.rep.token);
  const created = await rep.post('/v1/opportunities', { title: 'Template', company: 'Template Co' });
  expect(created.status).toBe(201);
  const [row] = await ctx.stack.db.select().from(opportunities).where(eq(opportunities.id, created.body.id));
  snapshot = row.snapshot;
});

type Seed = Partial<typeof opportunities.$inferInsert>;

/** Read-model rows of a new owner (or the one given), in the order given; returns their ids. */
async function seed(rows: Seed[], ownerId = `owner-${randomUUID()}`) {
  const values = rows.map((row) => {
    const id = row.id ?? randomUUID();
    return {
      id,
      workflowId: `opportunity-${id}`,
      title: 'Deal',
      company: 'Company',
      ownerId,
      stage: 'lead' as const,
      snapshot,
      version: 1,
      ...row,
    };
  });
  await ctx.stack.db.insert(opportunities).values(values);
  return { ownerId, ids: values.map((v) => v.id) };
}

/** Random lowercase letters: a word no other test's deal contains. */
const word = (prefix: string) =>
  prefix + Array.from({ length: 8 }, () => String.fromCharCode(97 + Math.floor(Math.random() * 26))).join('');

const ids = (answer: HttpResponse) => {
  expect([answer.status, answer.body?.detail]).toEqual([200, undefined]);
  return answer.body.items.map((item: { id: string }) => item.id) as string[];
};
const list = (params: Record<string, string>, api = admin()) =>
  api.get(`/v1/opportunities?${new URLSearchParams(params)}`);

/** Every page of a list, following `nextCursor`; `between` runs after each page. */
async function walk(
  params: Record<string, string>,
  between: (page: string[], pageNumber: number) => Promise<void> = async () => {},
) {
  const seen: string[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 50; page += 1) {
    const answer = await list({ ...params, ...(cursor ? { cursor } : {}) });
    const pageIds = ids(answer);
    seen.push(...pageIds);
    cursor = answer.body.nextCursor ?? undefined;
    if (!cursor) return seen;
    await between(pageIds, page);
  }
  throw new Error('the walk did not end');
}

/** A 400 problem+json naming `field`. */
function refused(answer: HttpResponse, field: string) {
  expect([field, answer.status]).toEqual([field, 400]);
  expect(answer.headers.get('content-type')).toContain('application/problem+json');
  expect(answer.body.errors.map((e: { field: string }) => e.field)).toContain(field);
}

describe('text search (q)', () => {
  it('[SR1] finds deals by a prefix of a word of the company, title, contact name or email, case-insensitively', async () => {
    const [c, t, n, e] = [word('co'), word('ti'), word('na'), word('em')];
    const { ownerId, ids: seeded } = await seed([
      { company: `${c} Dental`, title: 'Lead flow rebuild' },
      { company: 'Other Co', title: `After-hours ${t} routing` },
      { company: 'Third Co', title: 'Call tracking', contactName: `Jo ${n}`, contactEmail: `jo@${e}.example` },
      { company: 'Fourth Co', title: 'Nothing to find' },
    ]);
    const [byCompany, byTitle, byContact] = seeded;
    const found = async (q: string) => ids(await list({ q, ownerId }));

    expect(await found(c.slice(0, 5).toUpperCase())).toEqual([byCompany]);
    expect(await found(`${c} DEN`)).toEqual([byCompany]);
    expect(await found(`${c} lead`)).toEqual([byCompany]);
    // Every word must match.
    expect(await found(`${c} routing`)).toEqual([]);
    expect(await found(t.slice(0, 6).replace(/^./, (ch) => ch.toUpperCase()))).toEqual([byTitle]);
    expect(await found(n.slice(0, 4))).toEqual([byContact]);
    // A whole email is one term, as the search column has it.
    expect(await found(`jo@${e}.example`)).toEqual([byContact]);
    expect(await found(`JO@${e.toUpperCase()}.EXAMPLE`)).toEqual([byContact]);
    // A prefix only: the middle of a word does not match.
    expect(await found(c.slice(2))).toEqual([]);
  });

  it('[SR1] searches only the deals a rep may see, and combines with filters', async () => {
    const w = word('rp');
    const rep = await ctx.stack.user('rep');
    const { ids: mine } = await seed([{ company: `${w} One`, stage: 'proposal' }, { company: `${w} Two` }], rep.id);
    const { ids: theirs } = await seed([{ company: `${w} Three`, stage: 'proposal' }]);
    const asRep = httpClient(ctx.stack.baseUrl, rep.token);
    expect(ids(await list({ q: w }, asRep))).toEqual([...mine].sort());
    expect(ids(await list({ q: w, stage: 'proposal' }, asRep))).toEqual([mine[0]]);
    expect(ids(await list({ q: w, stage: 'proposal' })).sort()).toEqual([mine[0], theirs[0]].sort());
  });
});

describe('filters', () => {
  it('[SR1] each filter keeps exactly the deals it names', async () => {
    const old = new Date('2020-01-01T00:00:00Z');
    const { ownerId, ids: d } = await seed([
      { stage: 'proposal', valueCents: 500_000, currency: 'EUR', expectedCloseDate: '2027-01-15', updatedAt: old },
      { stage: 'audit', overdue: true, valueCents: 100_000, currency: 'USD', expectedCloseDate: '2027-02-01' },
      { stage: 'audit', dormant: true, followUpPauseReasons: ['consent'], updatedAt: old },
      { stage: 'lead', proposalPauseReasons: ['audit_evidence'], valueCents: 99_999, currency: 'EUR' },
      { stage: 'lead', expectedCloseDate: '2026-12-31', updatedAt: old },
    ]);
    const only = async (params: Record<string, string>) => ids(await list({ ownerId, limit: '100', ...params }));
    const sorted = (...picked: number[]) => picked.map((i) => d[i]).sort();

    expect(await only({})).toEqual(sorted(0, 1, 2, 3, 4));
    expect(await only({ stage: 'audit' })).toEqual(sorted(1, 2));
    expect(await only({ overdue: 'true' })).toEqual(sorted(1));
    expect(await only({ overdue: 'false' })).toEqual(sorted(0, 2, 3, 4));
    expect(await only({ dormant: 'true' })).toEqual(sorted(2));
    expect(await only({ paused: 'true' })).toEqual(sorted(2, 3));
    expect(await only({ paused: 'false' })).toEqual(sorted(0, 1, 4));
    expect(await only({ valueMin: '100000' })).toEqual(sorted(0, 1));
    expect(await only({ valueMax: '100000' })).toEqual(sorted(1, 3));
    expect(await only({ valueMin: '100000', valueMax: '100000' })).toEqual(sorted(1));
    expect(await only({ currency: 'EUR' })).toEqual(sorted(0, 3));
    expect(await only({ currency: 'EUR', valueMin: '100000' })).toEqual(sorted(0));
    expect(await only({ closeFrom: '2027-01-15' })).toEqual(sorted(0, 1));
    expect(await only({ closeTo: '2027-01-15' })).toEqual(sorted(0, 4));
    expect(await only({ closeFrom: '2027-01-01', closeTo: '2027-01-31' })).toEqual(sorted(0));
    expect(await only({ updatedSince: '2021-01-01T00:00:00Z' })).toEqual(sorted(1, 3));
    expect(await only({ updatedSince: '2020-01-01T00:00:00Z', stage: 'lead' })).toEqual(sorted(3, 4));
    // The owner filter: another owner's deals are not in this owner's list, and the reverse.
    const other = await seed([{ stage: 'audit' }]);
    expect(await only({ stage: 'audit' })).not.toContain(other.ids[0]);
    expect(ids(await list({ ownerId: other.ownerId }))).toEqual(other.ids);
  });
});

describe('sorts and cursors', () => {
  const at = (iso: string) => new Date(iso);
  // Ties on every key and deals without a key, so the id tie-break and NULLS LAST both show.
  const rows: Seed[] = [
    {
      nextActionDueAt: at('2027-01-02T00:00:00Z'),
      valueCents: 300,
      expectedCloseDate: '2027-03-01',
      lastActivityAt: at('2026-01-01T00:00:00Z'),
      createdAt: at('2025-01-01T00:00:00Z'),
    },
    {
      nextActionDueAt: at('2027-01-01T00:00:00Z'),
      valueCents: 100,
      expectedCloseDate: '2027-03-01',
      lastActivityAt: at('2026-01-03T00:00:00Z'),
      createdAt: at('2025-01-03T00:00:00Z'),
    },
    { valueCents: 300, lastActivityAt: at('2026-01-01T00:00:00Z'), createdAt: at('2025-01-02T00:00:00Z') },
    {
      nextActionDueAt: at('2027-01-02T00:00:00Z'),
      expectedCloseDate: '2027-01-01',
      createdAt: at('2025-01-01T00:00:00Z'),
    },
    { valueCents: 200, expectedCloseDate: '2027-02-01', createdAt: at('2025-01-05T00:00:00Z') },
    { createdAt: at('2025-01-03T00:00:00Z') },
    {
      nextActionDueAt: at('2027-01-03T00:00:00Z'),
      lastActivityAt: at('2026-01-02T00:00:00Z'),
      createdAt: at('2025-01-04T00:00:00Z'),
    },
  ];
  const keyOf = {
    nextActionDue: (r: Seed) => r.nextActionDueAt?.getTime(),
    value: (r: Seed) => r.valueCents ?? undefined,
    expectedClose: (r: Seed) => r.expectedCloseDate ?? undefined,
    lastActivity: (r: Seed) => r.lastActivityAt?.getTime(),
    created: (r: Seed) => r.createdAt?.getTime(),
  } as const;

  /** The order the API must answer, computed here: by key (nulls last either way), ties by id. */
  function expected(seeded: string[], sort: keyof typeof keyOf, order: 'asc' | 'desc') {
    const sign = order === 'asc' ? 1 : -1;
    return seeded
      .map((id, i) => ({ id, key: keyOf[sort](rows[i]) }))
      .sort((a, b) => {
        if (a.key === undefined || b.key === undefined) {
          if (a.key !== b.key) return a.key === undefined ? 1 : -1;
        } else if (a.key !== b.key) return a.key < b.key ? -sign : sign;
        return a.id < b.id ? -sign : sign;
      })
      .map((r) => r.id);
  }

  it.each(Object.keys(keyOf).flatMap((sort) => [`${sort} asc`, `${sort} desc`]))(
    '[SR1] sort=%s: ties by id, deals without the key last, and a walk of pages of two lists each deal once',
    async (sortOrder) => {
      const [sort, order] = sortOrder.split(' ') as [keyof typeof keyOf, 'asc' | 'desc'];
      const { ownerId, ids: seeded } = await seed(rows);
      const want = expected(seeded, sort, order);
      // The fixture has ties and gaps for this key: the test would pass trivially otherwise.
      expect(new Set(rows.map((r) => keyOf[sort](r))).size).toBeLessThan(rows.length);
      expect(ids(await list({ ownerId, sort, order, limit: '100' }))).toEqual(want);
      expect(await walk({ ownerId, sort, order, limit: '2' })).toEqual(want);
    },
  );

  it('[SR1] the default order is by id, as the list always was, and desc reverses it', async () => {
    const { ownerId, ids: seeded } = await seed(rows);
    expect(await walk({ ownerId, limit: '3' })).toEqual([...seeded].sort());
    expect(await walk({ ownerId, order: 'desc', limit: '3' })).toEqual([...seeded].sort().reverse());
  });

  it('[SR1] a cursor carries the exact key: rows a microsecond apart page correctly', async () => {
    const { ownerId, ids: seeded } = await seed([{}, {}, {}, {}]);
    // created_at values a microsecond apart (no JavaScript Date can hold them), the later ones first.
    for (const [i, id] of seeded.entries())
      await ctx.stack.db.execute(
        sql`UPDATE opportunities SET created_at = ${`2025-06-01 00:00:00.00000${5 - i}+00`}::timestamptz WHERE id = ${id}`,
      );
    expect(await walk({ ownerId, sort: 'created', limit: '1' })).toEqual([...seeded].reverse());
    expect(await walk({ ownerId, sort: 'created', order: 'desc', limit: '1' })).toEqual(seeded);
  });

  it('[SR1] a walk lists every deal once while deals change between pages (keyset on sort key and id)', async () => {
    const values = [100, 200, 300, 400, 500, 600, 700, 800, 900, 1000];
    const { ownerId, ids: seeded } = await seed(values.map((valueCents) => ({ valueCents })));
    const db = ctx.stack.db;
    const inserted: string[] = [];
    const seen = await walk({ ownerId, sort: 'value', limit: '3' }, async (page) => {
      // The last deal listed (the cursor's) drops behind the cursor; the next deal not yet listed changes
      // stage and title (not its key); a new deal lands behind the cursor; ahead of it, nothing else moves.
      await db
        .update(opportunities)
        .set({ valueCents: 1 })
        .where(eq(opportunities.id, page.at(-1)!));
      const next = seeded[seeded.indexOf(page.at(-1)!) + 1];
      if (next)
        await db
          .update(opportunities)
          .set({ stage: 'audit', title: 'Renamed', updatedAt: new Date() })
          .where(eq(opportunities.id, next));
      inserted.push(...(await seed([{ valueCents: 50 }], ownerId)).ids);
    });
    expect(seen).toEqual(seeded);
    expect(inserted.length).toBeGreaterThan(0);

    // By the same guarantee, as documented: a deal listed already whose key moves ahead of the cursor
    // is listed again where its new key falls.
    const again = await seed([{ valueCents: 10 }, { valueCents: 20 }, { valueCents: 30 }]);
    const seenAgain = await walk({ ownerId: again.ownerId, sort: 'value', limit: '2' }, async () => {
      await db
        .update(opportunities)
        .set({ valueCents: 99 })
        .where(inArray(opportunities.id, [again.ids[0]]));
    });
    expect(seenAgain).toEqual([again.ids[0], again.ids[1], again.ids[2], again.ids[0]]);
  });

  it('[SR1] the lastActivity walk, newest first, does not list again a deal someone acts on meanwhile', async () => {
    const base = Date.parse('2026-03-01T00:00:00Z');
    const { ownerId, ids: seeded } = await seed(
      Array.from({ length: 6 }, (_, i) => ({ lastActivityAt: new Date(base - i * 60_000) })),
    );
    const seen = await walk({ ownerId, sort: 'lastActivity', order: 'desc', limit: '2' }, async (page) => {
      await ctx.stack.db
        .update(opportunities)
        .set({ lastActivityAt: new Date() })
        .where(inArray(opportunities.id, page));
    });
    expect(seen).toEqual(seeded);
  });
});

describe('bad parameters', () => {
  it('[SR1] answers 400 naming the parameter', async () => {
    const api = admin();
    refused(await list({ sort: 'probability' }), 'query.sort');
    refused(await list({ order: 'up' }), 'query.order');
    refused(await list({ valueMin: '-1' }), 'query.valueMin');
    refused(await list({ valueMin: '1e3' }), 'query.valueMin');
    refused(await list({ valueMax: '99999999999999' }), 'query.valueMax');
    refused(await list({ valueMin: '200', valueMax: '100' }), 'query.valueMax');
    refused(await list({ closeFrom: '2027-02-30' }), 'query.closeFrom');
    refused(await list({ closeFrom: '2027-03-01', closeTo: '2027-02-01' }), 'query.closeTo');
    refused(await list({ closeTo: '3000-01-01' }), 'query.closeTo');
    refused(await list({ updatedSince: 'yesterday' }), 'query.updatedSince');
    refused(await list({ paused: 'yes' }), 'query.paused');
    refused(await list({ currency: 'eur' }), 'query.currency');
    refused(await list({ stage: 'nowhere' }), 'query.stage');
    refused(await list({ q: '' }), 'query.q');
    refused(await list({ q: '& | ! :*' }), 'query.q');
    refused(await list({ colour: 'red' }), 'query.colour');
    refused(await api.get('/v1/opportunities?q=a&q=b'), 'query.q');
  });

  it('[SR1] answers 400 naming query.cursor for a cursor of another sort, or one it did not issue', async () => {
    const { ownerId } = await seed([{ valueCents: 1 }, { valueCents: 2 }]);
    const first = await list({ ownerId, sort: 'value', limit: '1' });
    const cursor = first.body.nextCursor as string;
    expect(typeof cursor).toBe('string');
    expect(ids(await list({ ownerId, sort: 'value', limit: '1', cursor }))).toHaveLength(1);
    refused(await list({ ownerId, sort: 'created', limit: '1', cursor }), 'query.cursor');
    refused(await list({ ownerId, sort: 'value', order: 'desc', limit: '1', cursor }), 'query.cursor');
    refused(await list({ ownerId, limit: '1', cursor }), 'query.cursor');
    const forged = (position: unknown) => Buffer.from(JSON.stringify(position)).toString('base64url');
    const id = randomUUID();
    for (const position of [
      { s: 'value', o: 'asc', k: '1); DROP TABLE opportunities; --', id },
      { s: 'value', o: 'asc', k: '9999999999999999999', id },
      { s: 'created', o: 'asc', k: '2026-13-45 00:00:00+00', id },
      { s: 'expectedClose', o: 'asc', k: '2026-02-30', id },
      { s: 'value', o: 'asc', k: '1', id: 'not-a-uuid' },
    ])
      refused(await list({ ownerId, sort: position.s, limit: '1', cursor: forged(position) }), 'query.cursor');
    refused(await list({ cursor: 'not-a-cursor' }), 'query.cursor');
    // The cursor the id order issued before sorts existed still reads as that order.
    expect((await list({ ownerId, limit: '1', cursor: forged({ id }) })).status).toBe(200);
  });

  it('[SR1] a hostile q is refused or answered, never a 5xx', async () => {
    const api = admin();
    const hostile = [
      '%00',
      'acme%00dental',
      '%ED%A0%80',
      '%F0%9F',
      '%ED%A0%80acme',
      encodeURIComponent('a & | !'),
      encodeURIComponent("':* | !( <-> )"),
      encodeURIComponent("O'Brien \\ back\\slash"),
      encodeURIComponent('x'.repeat(10_240)),
      encodeURIComponent('é'.repeat(1_500)),
      encodeURIComponent('a '.repeat(100)),
    ];
    for (const q of hostile) {
      const answer = await api.get(`/v1/opportunities?q=${q}&limit=5`);
      expect([q.slice(0, 40), answer.status < 500]).toEqual([q.slice(0, 40), true]);
      expect([200, 400, 422, 414, 431]).toContain(answer.status);
      if (answer.status !== 200)
        expect([...new Set(answer.body.errors?.map((e: { field: string }) => e.field) ?? [])]).toEqual(
          answer.status === 400 ? ['query.q'] : [],
        );
    }
    refused(await api.get(`/v1/opportunities?q=${encodeURIComponent('x'.repeat(10_240))}`), 'query.q');
    refused(await api.get('/v1/opportunities?q=acme%00dental'), 'query.q');
    // Operators are only separators: the words around them still search.
    const w = word('op');
    const { ownerId, ids: seeded } = await seed([{ company: `${w} Dental` }]);
    expect(ids(await list({ ownerId, q: `!${w} & | den:*` }))).toEqual(seeded);
  });
});
