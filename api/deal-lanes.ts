import { DomainError } from './errors';

/**
 * One lane per deal: this API process sends a deal's updates to its workflow one at a time.
 * The workflow applies them one at a time anyway; letting dozens race into one workflow
 * only makes the server abort and the client retry them (measured: 50 concurrent writers on
 * one deal completed none in a 3 s window without lanes, 15/s with them). Lanes of different
 * deals run in parallel.
 */
export interface DealLanes {
  run<T>(dealId: string, work: () => Promise<T>): Promise<T>;
  /** Deals with work queued or running. */
  size(): number;
}

export function createDealLanes(options: { maxWaitingPerDeal: number }): DealLanes {
  const lanes = new Map<string, { tail: Promise<unknown>; waiting: number }>();
  return {
    run<T>(dealId: string, work: () => Promise<T>): Promise<T> {
      const lane = lanes.get(dealId) ?? { tail: Promise.resolve(), waiting: 0 };
      if (lane.waiting >= options.maxWaitingPerDeal) {
        return Promise.reject(
          new DomainError(
            'deal_busy',
            429,
            `More than ${options.maxWaitingPerDeal} changes to this opportunity are waiting; retry after the Retry-After seconds`,
          ),
        );
      }
      lane.waiting += 1;
      lanes.set(dealId, lane);
      const result = lane.tail.then(work, work);
      const settled = result.then(
        () => undefined,
        () => undefined,
      );
      lane.tail = settled;
      void settled.then(() => {
        lane.waiting -= 1;
        if (lane.waiting === 0 && lanes.get(dealId) === lane) lanes.delete(dealId);
      });
      return result;
    },
    size: () => lanes.size,
  };
}
