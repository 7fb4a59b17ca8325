import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { TEMPORAL_DYNAMIC_CONFIG } from '../../../infra/temporal-dynamic-config';
import { DEAL_SEARCH_ATTRIBUTES } from '../../../workflows/deal/search-attributes';

const root = path.resolve(__dirname, '../../..');
const composeAvailable = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' }).status === 0;

describe('docker-compose.yml', () => {
  // Only the docker client with its compose plugin can check the file; without it there is nothing to run.
  (composeAvailable ? it : it.skip)('is valid for `docker compose config` and has every service', () => {
    const result = spawnSync('docker', ['compose', 'config', '--services'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, ADMIN_TOKEN: 'x'.repeat(32) },
    });
    expect(result.stderr).not.toMatch(/error/i);
    expect(result.status).toBe(0);
    expect(result.stdout.split('\n').filter(Boolean).sort()).toEqual(
      ['api', 'migrate', 'postgres', 'temporal', 'temporal-search-attributes', 'temporal-ui', 'worker'].sort(),
    );
  });

  it('registers every search attribute the workflow upserts', () => {
    const compose = fs.readFileSync(path.join(root, 'docker-compose.yml'), 'utf8');
    for (const key of DEAL_SEARCH_ATTRIBUTES) expect(compose).toContain(`--name ${key.name}`);
  });

  it('gives the compose Temporal server the same dynamic config as the dev server', () => {
    const compose = fs.readFileSync(path.join(root, 'docker-compose.yml'), 'utf8');
    expect(compose).toContain(
      './deploy/temporal/dynamic-config.yaml:/etc/temporal/config/dynamicconfig/opportunity-path.yaml',
    );
    const yaml = fs.readFileSync(path.join(root, 'deploy/temporal/dynamic-config.yaml'), 'utf8');
    const entries = [...yaml.matchAll(/^([\w.]+):\s*\n\s*-\s*value:\s*(.+)$/gm)].map(([, key, value]) => [
      key,
      JSON.parse(value.trim()),
    ]);
    expect(Object.fromEntries(entries)).toEqual(TEMPORAL_DYNAMIC_CONFIG);
  });
});
