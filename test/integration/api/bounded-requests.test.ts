/**
 * A request waits for its deal at most API_UPDATE_WAIT_SECONDS: with no worker running, a
 * write and a create answer 503 problem+json with Retry-After in that bound, and the retry
 * with the same Idempotency-Key (the update id) has the one effect once a worker is back.
 */
import { randomUUID } from 'node:crypto';
import { QUALIFICATION_FACTS } from '../../../fixtures/deal-events';
import { startExtraApp } from '../../support/api-app';
import { useStackWithRep } from '../../support/api-stack';
import { httpClient, type HttpResponse } from '../../support/http';

const WAIT_SECONDS = 2;
/** Beyond the wait: the Temporal call's deadline, then the answer (on a shared two-core machine). */
const SLACK_MS = 2_500;

const ctx = useStackWithRep();

/** Sends until the answer is not a 503 (the worker just started); the 503s must be the bounded kind. */
async function retryWhile503(send: () => Promise<HttpResponse>): Promise<HttpResponse> {
  for (let attempt = 0; ; attempt += 1) {
    const answer = await send();
    if (answer.status !== 503 || attempt >= 10) return answer;
    expect(answer.body.code).toBe('deal_not_answering');
  }
}

describe('a request the deal cannot answer in time', () => {
  it('[IN1] answers 503 with Retry-After within the configured wait while no worker runs; the same-key retry then has one effect', async () => {
    const extra = await startExtraApp(ctx.stack, { updateWaitSeconds: WAIT_SECONDS });
    const api = httpClient(extra.url, ctx.rep.token);
    let workerStopped = false;
    try {
      const created = await api.post('/v1/opportunities', {
        title: 'Bounded',
        company: `Waits ${randomUUID().slice(0, 8)}`,
      });
      expect(created.status).toBe(201);
      const id = created.body.id as string;
      await ctx.stack.stopWorker();
      workerStopped = true;

      const eventKey = { 'Idempotency-Key': `bounded-event-${id}` };
      const event = { type: 'RECORD_QUALIFICATION', facts: QUALIFICATION_FACTS };
      const company = `Bounded create ${randomUUID().slice(0, 8)}`;
      const createKey = { 'Idempotency-Key': `bounded-create-${id}` };
      const lead = { title: 'Bounded create', company };
      for (const send of [
        () => api.post(`/v1/opportunities/${id}/events`, event, eventKey),
        () => api.post('/v1/opportunities', lead, createKey),
      ]) {
        // Twice: the retry is not refused as in flight, it takes the claim over and waits again.
        for (let attempt = 0; attempt < 2; attempt += 1) {
          const started = Date.now();
          const answer = await send();
          const took = Date.now() - started;
          expect(answer.status).toBe(503);
          expect(answer.headers.get('content-type')).toContain('application/problem+json');
          expect(answer.body.code).toBe('deal_not_answering');
          expect(answer.body.detail).toContain('Retrying with the same Idempotency-Key is safe');
          expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
          expect(took).toBeGreaterThanOrEqual(WAIT_SECONDS * 1_000 - 50);
          expect(took).toBeLessThan(WAIT_SECONDS * 1_000 + SLACK_MS);
        }
      }

      await ctx.stack.startWorker();
      workerStopped = false;
      const applied = await retryWhile503(() => api.post(`/v1/opportunities/${id}/events`, event, eventKey));
      expect(applied.status).toBe(200);
      expect(applied.headers.get('idempotent-replayed')).toBeNull();
      expect(applied.body.version).toBe(1);
      const logged = await ctx.stack.db.$client.query(
        `select count(*)::int as n from opportunity_events where opportunity_id = $1 and event_type = 'RECORD_QUALIFICATION'`,
        [id],
      );
      expect(logged.rows[0].n).toBe(1);

      const opened = await retryWhile503(() => api.post('/v1/opportunities', lead, createKey));
      expect(opened.status).toBe(201);
      expect(opened.body).toMatchObject({ company, stage: 'lead', version: 0 });
      const deals = await ctx.stack.db.$client.query(
        'select count(*)::int as n from opportunities where company = $1',
        [company],
      );
      expect(deals.rows[0].n).toBe(1);
    } finally {
      if (workerStopped) await ctx.stack.startWorker();
      await extra.close();
    }
  });
});
