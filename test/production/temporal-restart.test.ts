/**
 * The Temporal server stopped (SIGTERM) under load, down for 8 s, and started again on the
 * same Postgres: the workers and APIs reconnect by themselves and the updates resume.
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

const DOWNTIME_MS = 8_000;

let kit: Kit;
beforeAll(async () => {
  kit = await openKit();
});
afterAll(async () => {
  await kit?.close();
});

describe('the Temporal server restarted under load', () => {
  it('[PR1] loses nothing acknowledged, and the updates resume once it is back', async () => {
    const api = kit.spread(kit.rep);
    const ids = await openDeals(api, 4, 'Temporal restart');
    const stream = streamUpdates(api, kit.rep, ids, [
      '503 temporal_unavailable',
      '503 deal_not_answering',
      '409 idempotency_in_flight',
    ]);
    const timings: string[] = [];
    try {
      await acknowledgedMore(stream, 8);
      timings.push(`stopped (SIGTERM) in ${(await control('temporal', 'stop')).ms} ms`);
      await sleep(DOWNTIME_MS);
      let at = Date.now();
      await control('temporal', 'start');
      timings.push(`started again in ${Date.now() - at} ms`);
      at = Date.now();
      await acknowledgedMore(stream, 12, 90_000);
      timings.push(`12 more updates ${Date.now() - at} ms later`);
    } finally {
      await stream.stop();
    }
    expect(stream.unexpected).toEqual([]);
    await expectStreamConsistent(kit, stream);
    await expectRecovered(kit);
    say(`Temporal restart: ${timings.join(', ')}; ${describeStream(stream)}`);
  });
});
