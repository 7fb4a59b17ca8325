import { captureFunnelSnapshot } from '../db/queries/metric-snapshots';
import type { ActivityDeps } from './index';

export interface CaptureSnapshotInput {
  /** Derived from the scheduled workflow's id: a retried or replayed capture writes once. */
  key: string;
  periodStart: string;
  periodEnd: string;
  trigger: string;
}

export function createMetricsActivities({ db, logger }: ActivityDeps) {
  return {
    /** M1: computes the funnel of the period and stores it as an immutable metric_snapshots row. */
    async captureFunnelSnapshot(input: CaptureSnapshotInput): Promise<{ id: string; key: string; created: boolean }> {
      const { snapshot, created } = await captureFunnelSnapshot(db, {
        key: input.key,
        period: { from: new Date(input.periodStart), to: new Date(input.periodEnd) },
        trigger: input.trigger,
      });
      logger.info({ key: snapshot.key, created }, 'funnel snapshot captured');
      return { id: snapshot.id, key: snapshot.key, created };
    },
  };
}

/**
 * Where the worker's activity counters go. The composition root backs it with Prometheus
 * counters (`deal_timers_fired_total`, `handoff_steps_total`) served on the worker's metrics port.
 */
export interface ActivityCounters {
  timerFired(timer: string): void;
  handoffStep(step: string, result: 'succeeded' | 'failed'): void;
}

/** Counts nothing: for workers that serve no metrics (tests that start one by hand). */
export const UNCOUNTED: ActivityCounters = { timerFired() {}, handoffStep() {} };

interface CountedActivities {
  ensureTask(input: { key: string; kind: string }): Promise<void>;
  setFlags(input: { dormant?: boolean }): Promise<void>;
  flagOverdueWithTask(input: { task: { kind: string } }): Promise<void>;
  handoffStep(input: { step: string }): Promise<void>;
}

/**
 * Counts what the worker's activities do:
 * - timers fired: a timer's task carries the key `<workflowId>:<kind>:<ref>` (event tasks put
 *   the update id second), a passed deadline flags itself with its task in one activity, and
 *   the dormant timer is the only one that sets `dormant: true`;
 * - handoff steps by step and result.
 * Counted after the activity succeeds (a failed attempt is retried and counted then).
 */
export function countActivities<T extends CountedActivities>(activities: T, counters: ActivityCounters): T {
  const { ensureTask, setFlags, flagOverdueWithTask, handoffStep } = activities;
  return {
    ...activities,
    async ensureTask(input) {
      await ensureTask(input);
      if (input.key.split(':')[1] === input.kind) counters.timerFired(input.kind);
    },
    async setFlags(input) {
      await setFlags(input);
      if (input.dormant === true) counters.timerFired('dormant');
    },
    async flagOverdueWithTask(input) {
      await flagOverdueWithTask(input);
      counters.timerFired(input.task.kind);
    },
    async handoffStep(input) {
      try {
        await handoffStep(input);
        counters.handoffStep(input.step, 'succeeded');
      } catch (error) {
        counters.handoffStep(input.step, 'failed');
        throw error;
      }
    },
  };
}
