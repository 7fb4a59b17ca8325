/**
 * The deal machine and its pure API: the single definition of what may happen to a deal
 * (an opportunity, as the API and the database name it). The workflow, the API, the
 * database enums and the docs import from here.
 */
export * from './vocabulary';
export * from './notifications';
export * from './context';
export * from './events';
export { GATE_CHECKS, GUARDED_GATES, contractAfter, type GateCheck, type GuardedGate } from './gates';
export { gateCatalogue, type GateEntry, type GateGuard } from './gate-catalogue';
export { MOVES, FORWARD_EVENT, moveFor, movesFrom, movesOf, type Move } from './moves';
export { recordEvent, type MoveParams } from './record';
export { dealMachine, type DealMachine, type DealStateValue } from './machine';
export {
  applyEvent,
  createDeal,
  deepEqual,
  explain,
  fromSnapshot,
  isFinalStage,
  toSnapshot,
  unmetGates,
  type ApplyResult,
  type DealState,
  type Explanation,
} from './api';
