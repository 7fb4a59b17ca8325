import fs from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { installTemporalRuntime } from '../../../infra/runtime';
import { WORKFLOWS_PATH } from '../../../infra/worker';
import { HISTORIES_DIR } from '../../support/histories';

jest.setTimeout(120_000);

const files = fs.existsSync(HISTORIES_DIR) ? fs.readdirSync(HISTORIES_DIR).filter((file) => file.endsWith('.json')) : [];

describe('replay of recorded workflow histories', () => {
  it('has recorded histories to replay (re-record with RECORD_HISTORIES=1 npm test)', () => {
    expect(files.length).toBeGreaterThanOrEqual(3);
  });

  it('replays every recorded history with the current workflow code without nondeterminism', async () => {
    installTemporalRuntime();
    const histories = files.map((file) => ({
      workflowId: path.basename(file, '.json'),
      history: historyFromJSON(JSON.parse(fs.readFileSync(path.join(HISTORIES_DIR, file), 'utf8'))),
    }));
    const failures: string[] = [];
    for await (const result of Worker.runReplayHistories({ workflowsPath: WORKFLOWS_PATH, replayName: 'replay-test' }, histories)) {
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    }
    expect(failures).toEqual([]);
  });
});
