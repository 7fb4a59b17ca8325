import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { resolveTemporalCli } from '../../infra/temporal-cli';

export const HISTORIES_DIR = path.resolve(__dirname, '../fixtures/histories');

/**
 * With RECORD_HISTORIES=1, saves a workflow's history (as `temporal workflow show -o json`
 * prints it) for the replay test. Recorded histories are committed: they prove that new
 * workflow code still replays runs recorded with older code.
 */
export async function maybeRecordHistory(workflowId: string, name: string): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  const file = path.join(HISTORIES_DIR, `${name}.json`);
  // Old histories are the point: they hold runs of older code. Delete a file to re-record it.
  if (fs.existsSync(file)) return;
  const cli = resolveTemporalCli({ cliPath: process.env.TEMPORAL_CLI_PATH });
  if (cli.kind === 'download') throw new Error('recording histories needs the Temporal CLI binary');
  const shown = spawnSync(
    cli.path,
    [
      'workflow',
      'show',
      '--workflow-id',
      workflowId,
      '--address',
      process.env.TEMPORAL_ADDRESS!,
      '--namespace',
      process.env.TEMPORAL_NAMESPACE ?? 'default',
      '--output',
      'json',
    ],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  if (shown.status !== 0) throw new Error(`temporal workflow show failed: ${shown.stderr}`);
  // A run that has not completed a workflow task (say, just continued as new) has nothing to replay, and the replayer would wait for one.
  if (!shown.stdout.includes('EVENT_TYPE_WORKFLOW_TASK_COMPLETED'))
    throw new Error(`${workflowId}: its current run has no completed workflow task to record`);
  fs.mkdirSync(HISTORIES_DIR, { recursive: true });
  fs.writeFileSync(file, shown.stdout);
}
