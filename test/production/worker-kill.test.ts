/**
 * A worker SIGKILLed on the production topology: one of the two compiled workers while
 * updates stream through both APIs, and a worker in the middle of the won-deal handoff
 * (test/support/fault-worker.ts, test code run from source, kills itself right after a
 * step's writes, before the step can report).
 */
import { walk } from '../support/api-deal';
import { killWorker, spawnWorker } from '../support/fault-harness';
import { eventually } from '../support/kit';
import { control, WORKERS } from './control';
import {
  acknowledgedMore,
  describeStream,
  expectRecovered,
  expectStreamConsistent,
  openDeals,
  openKit,
  say,
  streamUpdates,
  type Kit,
} from './kit';

let kit: Kit;
beforeAll(async () => {
  kit = await openKit();
});
afterAll(async () => {
  await kit?.close();
});

/** The handoff's records of one deal, by table. */
async function handoffRows(opportunityId: string): Promise<Record<string, number>> {
  const tables = ['client_services', 'projects', 'portal_users', 'connector_accounts', 'data_sources'];
  const counts = tables.map((table) => `(select count(*)::int from ${table} where opportunity_id = $1) as ${table}`);
  return (await kit.db.$client.query(`select ${counts.join(', ')}`, [opportunityId])).rows[0];
}

describe('a worker SIGKILLed', () => {
  it('[PR1] in the middle of a stream of updates loses nothing acknowledged; versions stay contiguous', async () => {
    const api = kit.spread(kit.rep);
    const ids = await openDeals(api, 4, 'Kill stream');
    const stream = streamUpdates(api, kit.rep, ids, ['503 deal_not_answering', '409 idempotency_in_flight']);
    let atKill: number | undefined;
    try {
      await acknowledgedMore(stream, 12);
      const exit = await control('worker-1', 'stop', 'SIGKILL');
      atKill = stream.total();
      expect(exit.signal).toBe('SIGKILL');
      // worker-2 alone carries the stream, then worker-1 comes back.
      await acknowledgedMore(stream, 12);
      await control('worker-1', 'start');
      await acknowledgedMore(stream, 12);
    } finally {
      await stream.stop();
    }
    expect(stream.unexpected).toEqual([]);
    await expectStreamConsistent(kit, stream);
    await expectRecovered(kit);
    say(`worker SIGKILL mid-update after ${atKill} acknowledged: ${describeStream(stream)}`);
  });

  it('[PR1] in the middle of the handoff repeats no record after another worker takes over', async () => {
    // Only the fault worker may take the handoff: the compiled workers drain first.
    for (const name of WORKERS) expect(await control(name, 'stop')).toMatchObject({ code: 0, signal: null });
    const doomed = spawnWorker(kit.taskQueue, { KILL_AFTER_HANDOFF_STEP: 'portal_user' });
    const apis = { rep: kit.spread(kit.rep), ops: kit.spread(kit.ops) };
    let id = '';
    try {
      await doomed.ready;
      [id] = await openDeals(apis.rep, 1, 'Handoff kill');
      await walk(apis, id, kit.rep.id, 'lead', 'won');
      expect((await doomed.exited).signal).toBe('SIGKILL');
      // Written before the kill, never reported: the next attempt must not write it again.
      expect(await handoffRows(id)).toMatchObject({ projects: 1, portal_users: 1, connector_accounts: 0 });
    } finally {
      await killWorker(doomed);
      for (const name of WORKERS) await control(name, 'start');
    }
    const started = Date.now();
    await eventually(async () => {
      const deal = await apis.rep.get(`/v1/opportunities/${id}`);
      return deal.body.stage === 'handed_off' ? deal : undefined;
    }, 90_000);
    expect(await handoffRows(id)).toEqual({
      client_services: 1,
      projects: 1,
      portal_users: 1,
      connector_accounts: 1,
      data_sources: 1,
    });
    await expectRecovered(kit);
    say(
      `worker SIGKILL mid-handoff (after portal_user): handed off ${Date.now() - started} ms after restart, each record once`,
    );
  });
});
