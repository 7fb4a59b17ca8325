import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TypedSearchAttributes } from '@temporalio/common';
import { parse } from 'yaml';
import { TEMPORAL_DYNAMIC_CONFIG } from '../../../infra/temporal-dynamic-config';
import {
  DYNAMIC_CONFIG_FILE,
  POSTGRES_MAX_CONNECTIONS,
  PRODUCTION_CONFIG,
  TEMPORAL_DATABASES,
} from '../../../infra/temporal-production-server';
import { DEAL_SEARCH_ATTRIBUTES } from '../../../workflows/deal/search-attributes';

const root = path.resolve(__dirname, '../../..');
const composeAvailable = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' }).status === 0;
const read = (file: string) => fs.readFileSync(path.join(root, file), 'utf8');

interface Service {
  image?: string;
  build?: unknown;
  command?: string | string[];
  entrypoint?: string | string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: (string | { host_ip?: string })[];
  healthcheck?: { test?: string | string[]; disable?: boolean };
  restart?: string;
  init?: boolean;
  depends_on?: Record<string, { condition?: string }>;
}

const text = read('docker-compose.yml');
const { services } = parse(text, { merge: true }) as { services: Record<string, Service> };
const ONE_SHOT = 'service_completed_successfully';

const argv = (value: string | string[] | undefined) => (Array.isArray(value) ? value : value ? [value] : []);
/** A volume's container path, for a host path relative to the project. */
const mountOf = (service: Service, hostPath: string) =>
  argv(service.volumes)
    .map((volume) => volume.split(':'))
    .find(([source]) => path.normalize(source) === path.normalize(hostPath))?.[1];
/** The one-shot jobs: services run to completion that others wait for. */
const jobs = new Set(
  Object.values(services).flatMap((service) =>
    Object.entries(service.depends_on ?? {})
      .filter(([, dependency]) => dependency.condition === ONE_SHOT)
      .map(([name]) => name),
  ),
);
/** The script a job runs with `sh <script>`, read from the project file mounted there; `sh -n` parses it. */
function jobScript(name: string): string {
  const service = services[name];
  const [shell, script] = argv(service.entrypoint);
  expect(shell).toBe('sh');
  const mounted = argv(service.volumes)
    .map((volume) => volume.split(':'))
    .find(([, target]) => target === script);
  expect(mounted).toBeDefined();
  const parsed = spawnSync('sh', ['-n', path.join(root, mounted![0])], { encoding: 'utf8' });
  expect(parsed.stderr).toBe('');
  return read(mounted![0]);
}

/** `docker compose config` with only `env`: an empty env file, so a developer's `.env` does not count. */
function composeConfig(args: string[], env: Record<string, string>) {
  const envFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'compose-env-')), 'empty.env');
  fs.writeFileSync(envFile, '');
  return spawnSync('docker', ['compose', '--env-file', envFile, 'config', ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? os.homedir(), ...env },
  });
}
const SECRETS = {
  POSTGRES_PASSWORD: 'compose-test-password',
  ADMIN_TOKEN: 'a'.repeat(32),
  WEBHOOK_SECRET_KEY: 'k'.repeat(40),
};

describe('docker-compose.yml', () => {
  // Only the docker client with its compose plugin can check the file; without it there is nothing to run.
  const withCompose = composeAvailable ? it : it.skip;

  withCompose('is valid for `docker compose config` and has every service', () => {
    const result = composeConfig(['--services'], SECRETS);
    expect(result.stderr).not.toMatch(/error/i);
    expect(result.status).toBe(0);
    expect(result.stdout.split('\n').filter(Boolean).sort()).toEqual(
      [
        'api',
        'migrate',
        'postgres',
        'temporal',
        'temporal-schema',
        'temporal-search-attributes',
        'temporal-ui',
        'worker',
      ].sort(),
    );
  });

  withCompose('refuses to run without each secret of the env file, naming it', () => {
    for (const name of Object.keys(SECRETS)) {
      const result = composeConfig(['--quiet'], { ...SECRETS, [name]: '' });
      expect(result.status).not.toBe(0);
      expect(result.stderr).toContain(name);
    }
  });

  withCompose('publishes every port on 127.0.0.1 once resolved', () => {
    const result = composeConfig(['--format', 'json'], SECRETS);
    expect(result.status).toBe(0);
    const resolved = JSON.parse(result.stdout) as { services: Record<string, { ports?: { host_ip?: string }[] }> };
    const published = Object.entries(resolved.services).flatMap(([name, service]) =>
      (service.ports ?? []).map((port) => [name, port.host_ip]),
    );
    expect(published.length).toBeGreaterThan(0);
    for (const [name, hostIp] of published) expect([name, hostIp]).toEqual([name, '127.0.0.1']);
  });

  it('pins every image to a version, except the one it builds', () => {
    const built = Object.values(services).filter((service) => service.build);
    expect(built.map((service) => service.image)).toEqual(['opportunity-path:local']);
    for (const [name, service] of Object.entries(services)) {
      if (service.image === built[0].image) continue;
      // A tag that starts with a version of at least major.minor: never `latest`, a bare name or a major alone.
      expect([name, service.image]).toEqual([name, expect.stringMatching(/^[a-z0-9./-]+:\d+\.\d+(\.\d+)?(-[\w.]+)?$/)]);
    }
  });

  it('runs the API, the worker and the migrations with node on the compiled build, under an init', () => {
    const image = Object.values(services).find((service) => service.build)!.image;
    const app = Object.entries(services).filter(([, service]) => service.image === image);
    expect(app.map(([name]) => name).sort()).toEqual(['api', 'migrate', 'worker']);
    for (const [name, service] of app) {
      const [node, script, ...rest] = argv(service.command);
      expect([name, node, rest]).toEqual([name, 'node', []]);
      expect(script).toMatch(/^dist\/scripts\/\w+\.js$/);
      expect(fs.existsSync(path.join(root, script.replace(/^dist\//, '').replace(/\.js$/, '.ts')))).toBe(true);
      expect([name, service.init]).toEqual([name, true]);
    }
    expect(text).not.toMatch(/\bnpx\b|\btsx\b/);
  });

  it('gives every long-running service a healthcheck, and only one-shot jobs no restart', () => {
    for (const [name, service] of Object.entries(services)) {
      if (jobs.has(name)) {
        expect([name, service.restart]).toEqual([name, 'no']);
        continue;
      }
      expect([name, service.restart]).toEqual([name, 'unless-stopped']);
      expect([name, service.healthcheck?.disable ?? false, argv(service.healthcheck?.test).length > 1]).toEqual([
        name,
        false,
        true,
      ]);
    }
    expect(argv(services.api.healthcheck!.test).join(' ')).toContain('/health/ready');
  });

  it('publishes no port on all interfaces by default', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const port of service.ports ?? []) {
        const binding = typeof port === 'string' ? port : `${port.host_ip}:`;
        expect([name, binding]).toEqual([name, expect.stringMatching(/^(127\.0\.0\.1|\$\{\w+:-127\.0\.0\.1\}):/)]);
      }
    }
  });

  it('keeps passwords, tokens and keys out of the file: each comes from the environment', () => {
    const environments = Object.entries(services).flatMap(([name, service]) =>
      Object.entries(service.environment ?? {}).map(([key, value]) => [name, key, String(value)]),
    );
    const secrets = environments.filter(([, key]) => /PASSWORD|PWD|TOKEN|SECRET/.test(key));
    expect(secrets.length).toBeGreaterThan(4);
    for (const [name, key, value] of secrets)
      expect([name, key, value]).toEqual([name, key, expect.stringMatching(/^\$\{\w+(:[?-][^}]*)?\}$/)]);
    for (const [name, , value] of environments.filter(([, key]) => key === 'DATABASE_URL'))
      expect([name, value]).toEqual([
        name,
        expect.stringMatching(/^postgres:\/\/(\$\{\w+(:-[^}]*)?\}|[^:@$]+):\$\{POSTGRES_PASSWORD:\?[^}]+\}@/),
      ]);
  });

  it('registers every search attribute the workflow upserts, with its type, in a job that fails loudly', () => {
    const script = jobScript('temporal-search-attributes');
    const listed = /^ATTRIBUTES='([^']*)'$/m.exec(script)![1].split(/\s+/);
    expect(listed).toEqual(
      DEAL_SEARCH_ATTRIBUTES.map((key) => `${key.name}:${TypedSearchAttributes.toMetadataType(key.type)}`),
    );
    expect(script).toMatch(/^set -eu$/m);
    expect(script + JSON.stringify(services['temporal-search-attributes'])).not.toMatch(/\|\|\s*true/);
    expect(services['temporal-search-attributes'].depends_on?.temporal.condition).toBe('service_healthy');
    for (const app of ['api', 'worker'])
      expect(services[app].depends_on?.['temporal-search-attributes'].condition).toBe(ONE_SHOT);
  });

  it('sets up the Temporal schema in a job that fails loudly, before the server starts', () => {
    const script = jobScript('temporal-schema');
    expect(script).toMatch(/^set -eu$/m);
    // `--quiet` makes the sql tool exit 0 on errors.
    expect(script).not.toMatch(/\|\|\s*true|--quiet|\s-q\s/);
    expect(script).toContain('--schema-name "postgresql/v12/$2"');
    for (const database of TEMPORAL_DATABASES)
      expect(script).toContain(`setup "\${${database.env}:-${database.name}}" ${database.schema.split('/').pop()}`);
    const env = services['temporal-schema'].environment!;
    expect([env.DBNAME, env.VISIBILITY_DBNAME]).toEqual(TEMPORAL_DATABASES.map((database) => database.name));
    expect(services.temporal.depends_on?.['temporal-schema'].condition).toBe(ONE_SHOT);
  });

  it('runs the Temporal server on the server config of the production test profile', () => {
    const temporal = services.temporal;
    expect(temporal.image).toMatch(/^temporalio\/server:/);
    const config = path.relative(
      root,
      path.join(PRODUCTION_CONFIG.root, PRODUCTION_CONFIG.dir, `${PRODUCTION_CONFIG.env}.yaml`),
    );
    expect(config).toBe('deploy/temporal/config/production.yaml');
    const [serverRoot, dir] = [option(temporal, '--root'), option(temporal, '--config')];
    expect(mountOf(temporal, `./${config}`)).toBe(path.posix.join(serverRoot, dir, `${PRODUCTION_CONFIG.env}.yaml`));
    expect(option(temporal, '--env')).toBe(PRODUCTION_CONFIG.env);
    expect([temporal.environment!.DBNAME, temporal.environment!.VISIBILITY_DBNAME]).toEqual(
      TEMPORAL_DATABASES.map((database) => database.name),
    );
  });

  it("lets Postgres take the connections of Temporal's four services and of the app, here and in the production profile", () => {
    const serverConfig = read(
      path.relative(root, path.join(PRODUCTION_CONFIG.root, PRODUCTION_CONFIG.dir, 'production.yaml')),
    );
    const pools = [...serverConfig.matchAll(/^\s*maxConns:\s*(\d+)\s*$/gm)].map(([, n]) => Number(n));
    expect(pools).toHaveLength(2); // persistence and visibility
    // Frontend, history, matching and worker each open both pools; then an API (20) and a worker (10) at least.
    const needed = 4 * pools.reduce((sum, n) => sum + n, 0) + 20 + 10;
    const command = argv(services.postgres.command);
    expect(command).toEqual(['postgres', '-c', `max_connections=${POSTGRES_MAX_CONNECTIONS}`]);
    expect(POSTGRES_MAX_CONNECTIONS).toBeGreaterThanOrEqual(needed);
  });

  it('gives the compose Temporal server the same dynamic config as the dev server and the production profile', () => {
    const dynamicConfig = path.relative(root, DYNAMIC_CONFIG_FILE);
    expect(dynamicConfig).toBe('deploy/temporal/dynamic-config.yaml');
    expect(mountOf(services.temporal, `./${dynamicConfig}`)).toBe(
      services.temporal.environment!.DYNAMIC_CONFIG_FILE_PATH,
    );
    const yaml = read(dynamicConfig);
    const entries = [...yaml.matchAll(/^([\w.]+):\s*\n\s*-\s*value:\s*(.+)$/gm)].map(([, key, value]) => [
      key,
      JSON.parse(value.trim()),
    ]);
    expect(Object.fromEntries(entries)).toEqual(TEMPORAL_DYNAMIC_CONFIG);
  });
});

/** The value after `flag` in a service's entrypoint. */
function option(service: Service, flag: string): string {
  const args = argv(service.entrypoint);
  const at = args.indexOf(flag);
  expect(at).toBeGreaterThanOrEqual(0);
  return args[at + 1];
}
