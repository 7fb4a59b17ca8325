import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BenchStackOptions } from './stack';

/** A plain text table. */
export function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [
    headers,
    ...rows.map((r) => r.map((c) => (typeof c === 'number' ? (Number.isInteger(c) ? String(c) : c.toFixed(1)) : c))),
  ];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => String(r[i] ?? '').length)));
  const line = (r: (string | number)[]) => r.map((c, i) => String(c ?? '').padEnd(widths[i])).join('  ');
  return [line(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

/** The machine the figures came from, without paths or host names. */
export function machine() {
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()}-${os.arch()}`,
    /** 1-minute load average when the bench started: other work on the machine skews every figure. */
    loadAverageAtStart: Number(os.loadavg()[0].toFixed(2)),
  };
}

/** Warns when the machine is busy with other work before a bench starts. */
export function warnIfBusy(): void {
  const load = os.loadavg()[0];
  if (load > 0.5 * os.cpus().length)
    process.stdout.write(
      `WARNING: load average ${load.toFixed(2)} on ${os.cpus().length} CPUs before the bench: other processes compete for the CPU and the figures will be lower\n`,
    );
}

export function writeResult(name: string, result: unknown): string {
  const dir = path.resolve(__dirname, '../results');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.json`);
  fs.writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  return path.relative(process.cwd(), file);
}

/** What every bench is run with. */
export interface BenchOptions {
  quick: boolean;
  stack?: BenchStackOptions;
  /** Name of the JSON file under bench/results (default: the bench's name). */
  resultName?: string;
}

/** Writes a bench's result stamped with what produced it (bench, mode, date, machine), says where, and returns it. */
export function saveResult<T extends object>(bench: string, options: BenchOptions, figures: T) {
  const result = { bench, quick: options.quick, date: new Date().toISOString(), machine: machine(), ...figures };
  process.stdout.write(`written ${writeResult(options.resultName ?? bench, result)}\n`);
  return result;
}
