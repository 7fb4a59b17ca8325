import type { NotifyDeps } from '../activities/notify';
import type { WebhookApiConfig } from '../api/app';
import { secretBox, type SecretBox } from '../notifications/secrets';
import { parseAllowedHosts, type UrlPolicy } from '../notifications/url-safety';
import type { DispatchPolicy } from '../workflows/notify/messages';
import { ConfigError, type Config } from './config';
import { smtpMailer } from './mailer';

/** Seals webhook secrets outside production when no key is configured: anyone reading the code can open them. */
const DEVELOPMENT_SECRET_KEY = 'opportunity-path development key: set WEBHOOK_SECRET_KEY in production';

/** The key that seals webhook secrets; production refuses to start without one of its own. */
export function webhookSecretKey(config: Config): { key: string; development: boolean } {
  if (config.WEBHOOK_SECRET_KEY) return { key: config.WEBHOOK_SECRET_KEY, development: false };
  if (config.NODE_ENV === 'production')
    throw new ConfigError([{ field: 'WEBHOOK_SECRET_KEY', message: 'required in production' }]);
  return { key: DEVELOPMENT_SECRET_KEY, development: true };
}

/** Where a webhook may point (WEBHOOK_ALLOWED_HOSTS). */
export const urlPolicyOf = (config: Config): UrlPolicy => ({
  allowedHosts: parseAllowedHosts(config.WEBHOOK_ALLOWED_HOSTS),
});

export const secretBoxOf = (config: Config): SecretBox => secretBox(webhookSecretKey(config).key);

/** What the API's webhook routes need. */
export function webhookApiConfig(config: Config): WebhookApiConfig {
  return {
    urlPolicy: urlPolicyOf(config),
    secrets: secretBoxOf(config),
    secretOverlapSeconds: config.WEBHOOK_SECRET_OVERLAP_SECONDS,
  };
}

/** How deliveries are tried, from the config. */
export function dispatchPolicyOf(config: Config): DispatchPolicy {
  return {
    attemptTimeoutSeconds: config.WEBHOOK_ATTEMPT_TIMEOUT_SECONDS,
    retryInitialSeconds: config.WEBHOOK_RETRY_INITIAL_SECONDS,
    retryMaxIntervalSeconds: config.WEBHOOK_RETRY_MAX_INTERVAL_SECONDS,
    retryWindowSeconds: config.WEBHOOK_RETRY_WINDOW_SECONDS,
    idleSeconds: Math.max(config.NOTIFY_RESCAN_SECONDS * 2, 60),
    emailConcurrency: 4,
  };
}

/** The links in payloads and emails: PUBLIC_BASE_URL, else where this process serves the API. */
export const publicBaseUrlOf = (config: Config): string =>
  (config.PUBLIC_BASE_URL ?? `http://${config.HOST}:${config.PORT}`).replace(/\/+$/, '');

/** What the notification activities need; the mailer is null when SMTP_URL is unset (email off). */
export function notifyDepsOf(config: Config): NotifyDeps {
  return {
    urlPolicy: urlPolicyOf(config),
    secrets: secretBoxOf(config),
    baseUrl: publicBaseUrlOf(config),
    mailer: config.SMTP_URL ? smtpMailer({ url: config.SMTP_URL, from: config.EMAIL_FROM }) : null,
    emailMaxAgeSeconds: config.EMAIL_MAX_AGE_SECONDS,
  };
}
