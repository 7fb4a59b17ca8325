import { resolveTemporalCli } from '../infra/temporal-cli';

/** Resolves (and when needed builds) the Temporal CLI, so tests and `npm start` find it. */
const source = resolveTemporalCli({
  cliPath: process.env.TEMPORAL_CLI_PATH || undefined,
  log: (line) => process.stdout.write(`${line}\n`),
});
process.stdout.write(
  source.kind === 'download'
    ? 'Temporal CLI: the SDK will download it on first use\n'
    : `Temporal CLI: ${source.path} (${source.kind})\n`,
);
