/**
 * Postgres stopped for 30 s under load: the app's database and the Temporal server's
 * persistence and visibility at once, as with the one Postgres of the compose file. Requests
 * answer 503 meanwhile; once it is back, every acknowledged write is there exactly once.
 */
import { sleep } from '../support/kit';
import { control } from './control';
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

const OUTAGE_MS = 30_000;

let kit: Kit;
beforeAll(async () => {
  kit = await openKit();
});
afterAll(async () => {
  await kit?.close();
});

describe('Postgres stopped for 30 s under load', () => {
  it('[PR1] answers 503 meanwhile, loses nothing acknowledged, and is consistent once it is back', async () => {
    const api = kit.spread(kit.rep);
    const ids = await openDeals(api, 4, 'Postgres outage');
    const stream = streamUpdates(api, kit.rep, ids, [
      '503 database_unavailable',
      '503 temporal_unavailable',
      '503 deal_not_answering',
      '409 idempotency_in_flight',
    ]);
    let resumedIn: number | undefined;
    try {
      await acknowledgedMore(stream, 8);
      await control('postgres', 'stop');
      await sleep(OUTAGE_MS);
      await control('postgres', 'start');
      const backAt = Date.now();
      await acknowledgedMore(stream, 12, 120_000);
      resumedIn = Date.now() - backAt;
    } finally {
      await stream.stop();
    }
    expect(stream.unexpected).toEqual([]);
    expect(stream.refusals.get('503 database_unavailable')).toBeGreaterThan(0);
    await expectStreamConsistent(kit, stream);
    await expectRecovered(kit);
    say(`Postgres down ${OUTAGE_MS} ms: 12 more updates ${resumedIn} ms after it was back; ${describeStream(stream)}`);
  });
});
