import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { HISTORIES_DIR } from '../../support/histories';

jest.setTimeout(180_000);

const root = path.resolve(__dirname, '../../..');
const files = fs.existsSync(HISTORIES_DIR)
  ? fs.readdirSync(HISTORIES_DIR).filter((file) => file.endsWith('.json'))
  : [];

describe('replay of recorded workflow histories', () => {
  it('has recorded histories to replay (RECORD_HISTORIES=1 npm test records missing ones)', () => {
    expect(files.length).toBeGreaterThanOrEqual(5);
  });

  it('replays every recorded history with the current workflow code without nondeterminism', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'test/support/replay-histories.ts'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 170_000,
    });
    expect(run.stderr.includes('Error') ? run.stderr : '').toBe('');
    const results = run.stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { workflowId: string; error: string | null });
    expect(results.map((r) => r.workflowId).sort()).toEqual(files.map((file) => path.basename(file, '.json')).sort());
    expect(results.filter((r) => r.error)).toEqual([]);
    expect(run.status).toBe(0);
  });
});
