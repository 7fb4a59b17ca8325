// Entry point for the worker's workflow bundle.
export { dealWorkflow } from './deal/workflow';
export { handoffWorkflow } from './deal/handoff';
export { metricsSnapshotWorkflow } from './metrics/snapshot';
export { pruneIdempotencyKeysWorkflow } from './maintenance/prune';
export { notifyDispatchWorkflow } from './notify/dispatcher';
export { emailDigestWorkflow } from './notify/digest';
