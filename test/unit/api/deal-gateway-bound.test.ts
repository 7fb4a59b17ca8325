/**
 * The gateway answers by the configured wait even when Temporal's client does not end the
 * call itself: a request stuck in flight, or queued behind one in its deal's lane.
 */
import type { Client } from '@temporalio/client';
import { createDealGateway } from '../../../api/deal-gateway';
import { DomainError } from '../../../api/errors';
import { DEFAULT_DEAL_POLICY } from '../../../workflows/deal/policy';

/** A client whose updates never answer and whose deadlines are not enforced. */
function stuckClient(sent: string[]): Client {
  return {
    withDeadline: (_until: number, fn: () => Promise<unknown>) => fn(),
    workflow: {
      getHandle: () => ({
        executeUpdate: (_def: unknown, options: { updateId: string }) => {
          sent.push(options.updateId);
          return new Promise(() => undefined);
        },
      }),
    },
  } as unknown as Client;
}

describe('the deal gateway’s wait', () => {
  it('answers 503 deal_not_answering with Retry-After by the wait, for the request in flight and the one queued behind it', async () => {
    const sent: string[] = [];
    const deals = createDealGateway(stuckClient(sent), {
      taskQueue: 'q',
      policy: DEFAULT_DEAL_POLICY,
      updateWaitSeconds: 0.3,
    });
    const started = Date.now();
    const outcomes = await Promise.allSettled([
      deals.apply('deal-1', { type: 'RECORD_QUALIFICATION' }, { requestId: 'first' }),
      deals.apply('deal-1', { type: 'RECORD_QUALIFICATION' }, { requestId: 'queued' }),
    ]);
    const took = Date.now() - started;
    for (const outcome of outcomes) {
      expect(outcome.status).toBe('rejected');
      const error = (outcome as PromiseRejectedResult).reason as DomainError;
      expect(error).toBeInstanceOf(DomainError);
      expect({ code: error.code, status: error.status, retryAfter: error.retryAfterSeconds }).toEqual({
        code: 'deal_not_answering',
        status: 503,
        retryAfter: 2,
      });
    }
    expect(took).toBeGreaterThanOrEqual(290);
    expect(took).toBeLessThan(1_000);
    // The queued request never reached Temporal: its turn had not come.
    expect(sent).toEqual(['first']);
  });
});
