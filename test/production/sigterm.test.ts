/**
 * SIGTERM to the process the image runs (`node dist/scripts/worker.js`, `node dist/scripts/api.js`,
 * PID 1 under an init): a worker drains and exits 0; an API stops taking connections, answers
 * the request it is in the middle of, then exits 0.
 */
import { randomUUID } from 'node:crypto';
import { httpClient } from '../support/http';
import { sleep } from '../support/kit';
import { APIS, control, WORKERS } from './control';
import { expectRecovered, openDeals, openKit, restore, say, type Kit } from './kit';

let kit: Kit;
beforeAll(async () => {
  kit = await openKit();
});
afterEach(restore);
afterAll(async () => {
  await kit?.close();
});

describe('SIGTERM to each service process', () => {
  it.each([0, 1])('api-%s finishes its in-flight request and exits 0; both workers drain and exit 0', async (i) => {
    const [id] = await openDeals(kit.spread(kit.rep), 1, `Drain ${i}`);
    // With both workers drained, the next update waits in the API until a worker is back.
    const workers = await Promise.all(WORKERS.map((name) => control(name, 'stop')));
    for (const exit of workers) expect(exit).toMatchObject({ code: 0, signal: null });
    const api = httpClient(kit.apiUrls[i], kit.rep.token);
    const body = { type: 'RECORD_QUALIFICATION', facts: { urgency: 'Asked while the API stops' } };
    let answeredAt = 0;
    const inFlight = api
      .post(`/v1/opportunities/${id}/events`, body, { 'idempotency-key': randomUUID() })
      .finally(() => (answeredAt = Date.now()));
    await sleep(1_000);
    let exitedAt = 0;
    const apiExit = control(APIS[i], 'stop').finally(() => (exitedAt = Date.now()));
    await sleep(1_000);
    // Stopping, it no longer takes connections.
    await expect(fetch(`${kit.apiUrls[i]}/health/live`)).rejects.toThrow();
    await control('worker-1', 'start');
    const answer = await inFlight;
    expect(answer.status).toBe(200);
    expect(answer.body.stage).toBe('lead');
    const exit = await apiExit;
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(answeredAt).toBeLessThanOrEqual(exitedAt);
    // Within a container's stop grace (10 s by default) of its last answer, keep-alive or not.
    expect(exitedAt - answeredAt).toBeLessThan(5_000);
    await control(APIS[i], 'start');
    await control('worker-2', 'start');
    await expectRecovered(kit);
    say(
      `SIGTERM: worker-1 ${workers[0].ms} ms, worker-2 ${workers[1].ms} ms to exit 0; ` +
        `${APIS[i]} answered its in-flight request (200) and exited 0 ${exit.ms} ms after the signal, ${exitedAt - answeredAt} ms after its answer`,
    );
  });
});
