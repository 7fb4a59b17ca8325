/**
 * Where the CPU went: user+system ticks per process, grouped (postgres, temporal, worker,
 * api, load generator), read from /proc before and after a measured window. Postgres and
 * Temporal count only when the bench started them (descendants of its main process).
 */
import fs from 'node:fs';
import type { BenchPids } from './stack';

const TICKS_PER_SECOND = 100;

interface Proc {
  pid: number;
  ppid: number;
  comm: string;
  ticks: number;
}

function readProcs(): Proc[] {
  const procs: Proc[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const fields = stat.slice(close + 2).split(' ');
      procs.push({ pid: Number(entry), ppid: Number(fields[1]), comm, ticks: Number(fields[11]) + Number(fields[12]) });
    } catch {
      // gone
    }
  }
  return procs;
}

export type CpuGroups = Record<string, number>;

function descendsFrom(proc: Proc, byPid: Map<number, Proc>, ancestor: number): boolean {
  let parent = byPid.get(proc.ppid);
  for (let depth = 0; parent && depth < 6; depth += 1) {
    if (parent.pid === ancestor) return true;
    parent = byPid.get(parent.ppid);
  }
  return false;
}

/** The Temporal CLI's dev server, or the full server built from its Go module (.tools/bin/server). */
const isTemporal = (comm: string) => comm.startsWith('temporal') || comm === 'server';

function groupOf(proc: Proc, byPid: Map<number, Proc>, pids: BenchPids): string | undefined {
  if (pids.workers.includes(proc.pid)) return 'worker';
  if (pids.apis.includes(proc.pid)) return 'api';
  if (proc.pid === pids.main) return 'load+main';
  // Only the bench's own servers: other Postgres or Temporal processes on the machine are not its cost.
  if (!descendsFrom(proc, byPid, pids.main)) return undefined;
  if (proc.comm.startsWith('postgres') || proc.comm.startsWith('postmaster')) return 'postgres';
  if (isTemporal(proc.comm)) return 'temporal';
  // children of known processes
  let parent = byPid.get(proc.ppid);
  for (let depth = 0; parent && depth < 4; depth += 1) {
    if (parent.comm.startsWith('postgres')) return 'postgres';
    parent = byPid.get(parent.ppid);
  }
  return undefined;
}

export function cpuSnapshot(pids: BenchPids): Map<number, { group: string; ticks: number }> {
  const procs = readProcs();
  const byPid = new Map(procs.map((p) => [p.pid, p]));
  const snapshot = new Map<number, { group: string; ticks: number }>();
  for (const proc of procs) {
    const group = groupOf(proc, byPid, pids);
    if (group) snapshot.set(proc.pid, { group, ticks: proc.ticks });
  }
  return snapshot;
}

/** CPU seconds per group between two snapshots, as cores used over `seconds`. */
export function cpuCores(
  before: ReturnType<typeof cpuSnapshot>,
  after: ReturnType<typeof cpuSnapshot>,
  seconds: number,
): CpuGroups {
  const groups: CpuGroups = {};
  for (const [pid, now] of after) {
    const then = before.get(pid)?.ticks ?? 0;
    groups[now.group] = (groups[now.group] ?? 0) + (now.ticks - then) / TICKS_PER_SECOND / seconds;
  }
  for (const key of Object.keys(groups)) groups[key] = Number(groups[key].toFixed(2));
  return groups;
}
