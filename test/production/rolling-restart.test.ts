/**
 * A rolling restart of both compiled workers under load, as a deploy does it: SIGTERM one
 * (it drains and exits 0), start it again, then the other, while updates stream through both
 * APIs. The only refusal a client may see is 503 deal_not_answering (retried with its key).
 */
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

describe('a rolling restart of both workers under load', () => {
  it('[PR1] loses nothing acknowledged, keeps versions contiguous and answers no 5xx but 503 deal_not_answering', async () => {
    const api = kit.spread(kit.rep);
    const ids = await openDeals(api, 4, 'Rolling');
    const stream = streamUpdates(api, kit.rep, ids, ['503 deal_not_answering', '409 idempotency_in_flight']);
    const drained: string[] = [];
    try {
      await acknowledgedMore(stream, 8);
      for (const name of WORKERS) {
        const exit = await control(name, 'stop');
        expect(exit).toMatchObject({ code: 0, signal: null });
        drained.push(`${name} drained in ${exit.ms} ms`);
        await acknowledgedMore(stream, 8);
        await control(name, 'start');
        await acknowledgedMore(stream, 8);
      }
    } finally {
      await stream.stop();
    }
    expect(stream.unexpected).toEqual([]);
    await expectStreamConsistent(kit, stream);
    await expectRecovered(kit);
    say(`rolling restart: ${drained.join(', ')}; ${describeStream(stream)}`);
  });
});
