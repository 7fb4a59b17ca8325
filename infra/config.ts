import path from 'node:path';
import { z } from 'zod';
import { DEFAULT_AUTH_FAILURES_PER_MINUTE } from '../api/rate-limit';
import { portalInvitationDaysSchema } from '../api/schemas/portal';

const seconds = z.coerce.number().positive();
const booleanFlag = z.enum(['true', 'false', '1', '0']).transform((value) => value === 'true' || value === '1');

/** Every setting the app reads, with safe defaults for the embedded mode. */
export const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATA_DIR: z.string().min(1).default('.data'),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  EMBEDDED_POSTGRES_PORT: z.coerce.number().int().min(1).max(65535).default(54329),
  TEMPORAL_ADDRESS: z
    .string()
    .regex(/^[^:\s]+:\d+$/, 'expected host:port')
    .optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_CLI_PATH: z.string().min(1).optional(),
  TEMPORAL_PORT: z.coerce.number().int().min(1).max(65535).default(7233),
  TEMPORAL_UI_PORT: z.coerce.number().int().min(1).max(65535).default(8233),
  TEMPORAL_UI_URL: z.url().optional(),
  TASK_QUEUE: z.string().min(1).default('opportunity-path'),
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).default(500),
  /** The Temporal core runtime's Prometheus exporter (host:port or off); unset: see `metricsDefaults`. */
  TEMPORAL_METRICS_ADDRESS: z
    .union([z.literal('off'), z.string().regex(/^[^:\s]+:\d+$/, 'expected host:port or off')])
    .optional(),
  /** The worker's own Prometheus endpoint on HOST (a port, 0 for any free one, or off); unset: see `metricsDefaults`. */
  WORKER_METRICS_PORT: z
    .union([z.literal('off'), z.coerce.number().int().min(0).max(65535)], {
      error: 'expected a port (0 for any free one) or off',
    })
    .optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ADMIN_TOKEN: z.string().min(24, 'must be at least 24 characters').optional(),
  BODY_LIMIT: z
    .string()
    .regex(/^\d+(b|kb|mb)$/)
    .default('100kb'),
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().positive().default(600),
  /** How long a request waits for its deal's workflow before answering 503 (a retry with the same Idempotency-Key is safe). */
  API_UPDATE_WAIT_SECONDS: seconds.max(600).default(15),
  AUTH_FAILURES_PER_MINUTE: z.coerce.number().int().positive().default(DEFAULT_AUTH_FAILURES_PER_MINUTE),
  METRICS_TOKEN: z.string().min(24, 'must be at least 24 characters').optional(),
  METRICS_SCHEDULE_INTERVAL_SECONDS: seconds.default(86_400),
  /** How long an Idempotency-Key is remembered; a daily Schedule forgets older ones. */
  PORTAL_INVITATION_DAYS: portalInvitationDaysSchema,
  IDEMPOTENCY_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(7),
  // Deal timer policy (seconds). Tests set these to a few seconds.
  POLICY_FOLLOW_UP_SECONDS: seconds.default(3 * 86_400),
  POLICY_FOLLOW_UP_MAX: z.coerce.number().int().min(0).default(3),
  POLICY_ESCALATION_GRACE_SECONDS: seconds.default(86_400),
  POLICY_DORMANT_SECONDS: seconds.default(14 * 86_400),
  POLICY_AUTO_LOSE_ON_DEADLINE: booleanFlag.default(false),
  POLICY_HANDOFF_REMINDER_SECONDS: seconds.default(86_400),
  POLICY_HANDOFF_STEP_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(8),
  // NT1: telling people (webhooks and email).
  /** Where links in webhooks and emails point: the API's public address. */
  PUBLIC_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** Encrypts webhook signing secrets at rest; required in production (a development key is derived otherwise). */
  WEBHOOK_SECRET_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  /** Hosts, addresses or CIDRs a webhook may target although private or loopback (comma separated). */
  WEBHOOK_ALLOWED_HOSTS: z.string().optional(),
  /** How long the previous secret keeps signing after a rotation. */
  WEBHOOK_SECRET_OVERLAP_SECONDS: seconds.default(86_400),
  /** One attempt's bound (connect and response). */
  WEBHOOK_ATTEMPT_TIMEOUT_SECONDS: seconds.max(300).default(10),
  /** The first retry's delay; each next one doubles, up to WEBHOOK_RETRY_MAX_INTERVAL_SECONDS. */
  WEBHOOK_RETRY_INITIAL_SECONDS: seconds.default(5),
  WEBHOOK_RETRY_MAX_INTERVAL_SECONDS: seconds.default(3_600),
  /** How long a delivery is retried before it fails and its subscription is disabled. */
  WEBHOOK_RETRY_WINDOW_SECONDS: seconds.default(24 * 3_600),
  /** How often each worker looks for deliveries, emails and overdue tasks a notification missed. */
  NOTIFY_RESCAN_SECONDS: seconds.default(30),
  /** SMTP server for email (smtp://user:pass@host:port or smtps://...); unset: no email is sent. */
  SMTP_URL: z.url({ protocol: /^smtps?$/ }).optional(),
  EMAIL_FROM: z.string().min(3).default('Opportunity path <no-reply@localhost>'),
  /** The hour (UTC, 0-23) the daily digest goes out. */
  EMAIL_DIGEST_HOUR_UTC: z.coerce.number().int().min(0).max(23).default(7),
  /** An email not sent within this long is skipped rather than sent late. */
  EMAIL_MAX_AGE_SECONDS: seconds.default(86_400),
});
export type Config = z.infer<typeof configSchema> & {
  TEMPORAL_METRICS_ADDRESS: string;
  WORKER_METRICS_PORT: number | 'off';
};

/** Where `npm start` and `npm run worker` serve metrics unless told otherwise. */
export const DEFAULT_TEMPORAL_METRICS_ADDRESS = '127.0.0.1:9464';
export const DEFAULT_WORKER_METRICS_PORT = 9465;

/** The metrics endpoints' defaults: none under NODE_ENV=test, where many processes share one host. */
const metricsDefaults = (data: z.infer<typeof configSchema>) => {
  const underTest = data.NODE_ENV === 'test';
  return {
    TEMPORAL_METRICS_ADDRESS: data.TEMPORAL_METRICS_ADDRESS ?? (underTest ? 'off' : DEFAULT_TEMPORAL_METRICS_ADDRESS),
    WORKER_METRICS_PORT: data.WORKER_METRICS_PORT ?? (underTest ? 'off' : DEFAULT_WORKER_METRICS_PORT),
  };
};

export class ConfigError extends Error {
  readonly code = 'invalid_config';
  constructor(readonly issues: { field: string; message: string }[]) {
    super(`Invalid configuration: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`);
  }
}

/** Parses the environment once at start-up; an invalid value names its variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const defined = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = configSchema.safeParse(defined);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => ({ field: issue.path.join('.'), message: issue.message })),
    );
  }
  return { ...parsed.data, ...metricsDefaults(parsed.data), DATA_DIR: path.resolve(parsed.data.DATA_DIR) };
}

/** A setting an entry point cannot run without (DATABASE_URL for `npm run api`, ...). */
export function required<K extends keyof Config>(config: Config, key: K): NonNullable<Config[K]> {
  const value = config[key];
  if (value === undefined || value === null)
    throw new ConfigError([{ field: String(key), message: 'required for this entry point' }]);
  return value as NonNullable<Config[K]>;
}
