/**
 * Replays every recorded history with the current workflow code and prints one JSON line
 * per history. Run in a process of its own: the SDK's native runtime is process-wide, and
 * a jest worker may hold one that earlier test files left behind.
 */
import fs from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { installTemporalRuntime } from '../../infra/runtime';
import { WORKFLOW_BUNDLER_OPTIONS, WORKFLOWS_PATH } from '../../infra/worker';
import { HISTORIES_DIR } from './histories';

async function main(): Promise<void> {
  installTemporalRuntime({ metricsAddress: null });
  const files = fs.readdirSync(HISTORIES_DIR).filter((file) => file.endsWith('.json'));
  const histories = files.map((file) => ({
    workflowId: path.basename(file, '.json'),
    history: historyFromJSON(JSON.parse(fs.readFileSync(path.join(HISTORIES_DIR, file), 'utf8'))),
  }));
  for await (const result of Worker.runReplayHistories(
    { workflowsPath: WORKFLOWS_PATH, bundlerOptions: WORKFLOW_BUNDLER_OPTIONS, replayName: 'replay-test' },
    histories,
  )) {
    process.stdout.write(
      `${JSON.stringify({ workflowId: result.workflowId, error: result.error?.message ?? null })}\n`,
    );
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`${(error as Error).stack}\n`);
    process.exit(1);
  },
);
