/**
 * Summarises V8 CPU profiles (--cpu-prof) of the bench's worker and API processes: self
 * time by package/area and the hottest functions. Paths are cut to package or repo-relative
 * names so the summary can be committed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { table, writeResult } from './report';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const root = path.resolve(__dirname, '../..');

function areaOf(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native)';
  const clean = url.replace(/^file:\/\//, '');
  const nm = clean.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const parts = clean.slice(nm + 'node_modules/'.length).split('/');
    return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  if (clean.startsWith('node:')) return 'node:internal';
  if (clean.includes('workflow-bundle')) return 'workflow bundle (machine + workflow code)';
  if (clean.startsWith(root)) return `repo:${path.relative(root, clean).split(path.sep)[0]}`;
  return clean.startsWith('/') ? 'other' : clean;
}

function nameOf(url: string, fn: string, line: number): string {
  const clean = url.replace(/^file:\/\//, '');
  const nm = clean.lastIndexOf('node_modules/');
  const where =
    nm >= 0
      ? clean.slice(nm + 'node_modules/'.length)
      : clean.startsWith(root)
        ? path.relative(root, clean)
        : clean.split('/').slice(-2).join('/');
  return `${fn || '(anonymous)'} ${where ? `${where}:${line + 1}` : ''}`.trim();
}

export function summariseProfile(file: string) {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfByArea = new Map<string, number>();
  const selfByFn = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    const delta = (profile.timeDeltas[i] ?? 0) / 1000;
    if (!node) return;
    const { url, functionName, lineNumber } = node.callFrame;
    const area = areaOf(url, functionName);
    total += delta;
    selfByArea.set(area, (selfByArea.get(area) ?? 0) + delta);
    if (area !== '(idle)')
      selfByFn.set(
        nameOf(url, functionName, lineNumber),
        (selfByFn.get(nameOf(url, functionName, lineNumber)) ?? 0) + delta,
      );
  });
  const idle = selfByArea.get('(idle)') ?? 0;
  const busy = total - idle;
  const top = (map: Map<string, number>, n: number) =>
    [...map.entries()]
      .filter(([k]) => k !== '(idle)')
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, ms]) => ({ name: k, ms: Math.round(ms), pctOfBusy: Number(((100 * ms) / busy).toFixed(1)) }));
  return {
    wallMs: Math.round(total),
    busyMs: Math.round(busy),
    areas: top(selfByArea, 14),
    functions: top(selfByFn, 20),
  };
}

export function summariseProfiles(dir: string, name: string): string {
  const out: string[] = [];
  const json: Record<string, unknown> = {};
  for (const proc of fs.readdirSync(dir).sort()) {
    const folder = path.join(dir, proc);
    if (!fs.statSync(folder).isDirectory()) continue;
    // One profile per thread: the main thread's is the largest; a worker's workflow thread
    // (where the workflow code and the machine run) is next; the loader threads' are tiny.
    const files = fs
      .readdirSync(folder)
      .filter((f) => f.endsWith('.cpuprofile'))
      .map((f) => ({ file: path.join(folder, f), size: fs.statSync(path.join(folder, f)).size }))
      .sort((a, b) => b.size - a.size);
    for (const [index, { file }] of files.entries()) {
      const summary = summariseProfile(file);
      if (index > 0 && summary.busyMs < 500) continue;
      const label = index === 0 ? proc : `${proc} thread ${index}`;
      json[label] = summary;
      out.push(`\nCPU profile: ${label}, busy ${summary.busyMs} ms of ${summary.wallMs} ms`);
      out.push(
        table(
          ['area (self time)', 'ms', '% busy'],
          summary.areas.map((a) => [a.name, a.ms, a.pctOfBusy]),
        ),
      );
      out.push(
        table(
          ['hottest functions (self)', 'ms', '% busy'],
          summary.functions.slice(0, 12).map((a) => [a.name.slice(0, 110), a.ms, a.pctOfBusy]),
        ),
      );
    }
  }
  out.push(`written ${writeResult(name, json)}\n`);
  return `${out.join('\n')}\n`;
}
