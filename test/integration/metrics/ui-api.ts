import type { ApiServerHandle } from '../../../infra/api-server';
import { startExtraApp } from '../../support/api-app';
import type { TestStack } from '../../support/stack';

export const TEMPORAL_UI = 'http://127.0.0.1:8233';

/** A second API on the test stack, configured with a Temporal UI address as `npm start` is. */
export function startApiWithTemporalUi(stack: TestStack): Promise<ApiServerHandle> {
  return startExtraApp(stack, { temporalUiUrl: TEMPORAL_UI });
}
