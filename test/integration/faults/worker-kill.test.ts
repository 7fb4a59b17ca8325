/**
 * Fault injection: the worker is SIGKILLed while a stream of REST transitions runs.
 * (The SIGKILL in the middle of the won-deal handoff is test/integration/workflow/handoff.test.ts.)
 */
import { randomUUID } from 'node:crypto';
import { requestIdOf } from '../../../api/idempotency';
import { dealWorkflowId } from '../../../workflows/deal/messages';
import {
  dealConsistency,
  expectConsistent,
  killWorker,
  spawnWorker,
  type WorkerChild,
} from '../../support/fault-harness';
import { sleep } from '../../support/kit';
import { httpClient } from '../../support/http';
import { startTestStack, type TestStack } from '../../support/stack';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ worker: false });
});
afterAll(async () => {
  await stack?.stop();
});

const DEALS = 4;
const EVENTS_PER_DEAL = 12;

describe('a worker SIGKILLed during a stream of updates', () => {
  it('[E1] every acknowledged request is in the event log exactly once; the read model, the workflow and the machine agree', async () => {
    const admin = await stack.user('admin');
    const api = httpClient(stack.baseUrl, admin.token);
    const workers: WorkerChild[] = [spawnWorker(stack.taskQueue)];
    try {
      await workers[0].ready;
      const ids: string[] = [];
      for (let i = 0; i < DEALS; i += 1) {
        const created = await api.post('/v1/opportunities', {
          title: `Fault stream ${i}`,
          company: `Kill Co ${i}`,
          source: 'referral',
        });
        expect(created.status).toBe(201);
        ids.push(created.body.id);
      }

      const acknowledged = new Map<string, string[]>(ids.map((id) => [id, []]));
      let retries = 0;
      let ackedAtKill = -1;
      const stream = async (id: string) => {
        for (let n = 0; n < EVENTS_PER_DEAL; n += 1) {
          const key = randomUUID();
          const body = { type: 'RECORD_QUALIFICATION', facts: { urgency: `Stream ${n} of ${id.slice(0, 8)}` } };
          // A client retries with the same Idempotency-Key until it gets an answer.
          for (let attempt = 0; ; attempt += 1) {
            const answer = await api
              .post(`/v1/opportunities/${id}/events`, body, { 'idempotency-key': key })
              .catch((error: Error) => ({ status: 0, body: error.message }));
            if (answer.status === 200) break;
            expect([0, 409, 500, 502, 503, 504]).toContain(answer.status);
            if (attempt > 40) throw new Error(`no answer for ${key}: ${answer.status} ${JSON.stringify(answer.body)}`);
            retries += 1;
            await sleep(250);
          }
          acknowledged
            .get(id)!
            .push(`${dealWorkflowId(id)}:${requestIdOf({ userId: admin.id, role: 'admin', clientId: null }, key)}`);
        }
      };
      const killer = (async () => {
        // Kill once the stream is well under way, then start a fresh worker.
        while ([...acknowledged.values()].reduce((n, keys) => n + keys.length, 0) < (DEALS * EVENTS_PER_DEAL) / 4)
          await sleep(20);
        ackedAtKill = [...acknowledged.values()].reduce((n, keys) => n + keys.length, 0);
        await killWorker(workers[0]);
        expect((await workers[0].exited).signal).toBe('SIGKILL');
        await sleep(500);
        workers.push(spawnWorker(stack.taskQueue));
        await workers[1].ready;
      })();
      await Promise.all([...ids.map(stream), killer]);

      expect(ackedAtKill).toBeGreaterThan(0);
      expect(ackedAtKill).toBeLessThan(DEALS * EVENTS_PER_DEAL);
      for (const id of ids) {
        const state = await dealConsistency(stack.db, stack.temporal, id);
        expectConsistent(state, acknowledged.get(id)!);
        // One effect per request: exactly EVENTS_PER_DEAL facts, however many retries it took.
        expect(state.events.filter((e) => e.event_type === 'RECORD_QUALIFICATION')).toHaveLength(EVENTS_PER_DEAL);
        expect(state.workflow.stage).toBe('lead');
      }
      // Reported so a run shows that the kill really interrupted requests.
      process.stdout.write(
        `[faults] worker SIGKILL after ${ackedAtKill} acknowledged updates; ${retries} client retries\n`,
      );
    } finally {
      for (const worker of workers) await killWorker(worker, 'SIGTERM');
    }
  }, 120_000);
});
