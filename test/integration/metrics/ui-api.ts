import { startApiServer, type ApiServerHandle } from '../../../infra/api-server';
import { createLogger } from '../../../infra/logger';
import type { TestStack } from '../../support/stack';

export const TEMPORAL_UI = 'http://127.0.0.1:8233';

/** A second API on the test stack, configured with a Temporal UI address as `npm start` is. */
export function startApiWithTemporalUi(stack: TestStack): Promise<ApiServerHandle> {
  return startApiServer({
    db: stack.db,
    logger: createLogger('silent'),
    temporalAddress: process.env.TEMPORAL_ADDRESS!,
    namespace: process.env.TEMPORAL_NAMESPACE ?? 'default',
    taskQueue: stack.taskQueue,
    policy: stack.policy,
    host: '127.0.0.1',
    port: 0,
    api: { bodyLimit: '100kb', rateLimitPerMinute: 100_000, temporalUiUrl: TEMPORAL_UI },
  });
}
