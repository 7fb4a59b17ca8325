// Entry point for the worker's workflow bundle.
export { dealWorkflow } from './deal/workflow';
export { handoffWorkflow } from './deal/handoff';
export { metricsSnapshotWorkflow } from './metrics/snapshot';
export { pruneIdempotencyKeysWorkflow } from './maintenance/prune';
