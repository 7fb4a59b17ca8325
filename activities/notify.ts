import { activityInfo } from '@temporalio/activity';
import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import {
  failWebhookDelivery,
  loadEmail,
  loadWebhookDelivery,
  markEmail,
  pendingDeliveryIds,
  pendingEmailIds,
  planDigests,
  recordWebhookAttempt,
} from '../db/queries/outbox';
import { digestEmail, notificationEmail } from '../notifications/email-text';
import { postWebhook } from '../notifications/http-post';
import { webhookPayload } from '../notifications/payload';
import type { SecretBox } from '../notifications/secrets';
import { webhookHeaders } from '../notifications/signing';
import type { UrlPolicy } from '../notifications/url-safety';
import type { ActivityDeps } from './index';

/** Sends one internal email; throws when the SMTP server refuses or cannot be reached. */
export interface Mailer {
  send(message: { to: string; subject: string; text: string }): Promise<void>;
  close(): void;
}

/** What the notification activities need besides the database (NT1). */
export interface NotifyDeps {
  urlPolicy: UrlPolicy;
  secrets: SecretBox;
  /** Where links in payloads and emails point (PUBLIC_BASE_URL). */
  baseUrl: string;
  /** null: email is off (no SMTP_URL); emails stay pending. */
  mailer: Mailer | null;
  /** An email older than this is skipped rather than sent late. */
  emailMaxAgeSeconds: number;
}

export interface RetryShape {
  initialSeconds: number;
  maxIntervalSeconds: number;
}

/** When the attempt after `attempt` will start, as the activity's retry policy spaces them. */
export function nextAttemptAfter(now: Date, attempt: number, retry: RetryShape): Date {
  const delay = Math.min(retry.initialSeconds * 2 ** (attempt - 1), retry.maxIntervalSeconds);
  return new Date(now.getTime() + delay * 1000);
}

/** The secrets that sign now: the current one, and the previous one until its overlap ends. */
function signingSecrets(
  box: SecretBox,
  subscription: {
    secretEncrypted: string;
    previousSecretEncrypted: string | null;
    previousSecretExpiresAt: Date | null;
  },
  now: Date,
): string[] {
  const secrets = [box.open(subscription.secretEncrypted)];
  if (
    subscription.previousSecretEncrypted &&
    subscription.previousSecretExpiresAt &&
    subscription.previousSecretExpiresAt > now
  )
    secrets.push(box.open(subscription.previousSecretEncrypted));
  return secrets;
}

function webhookActivities({ db, clock, logger, notify }: ActivityDeps & { notify: NotifyDeps }) {
  return {
    async nextWebhookDeliveries(input: { subscriptionId: string; exclude: string[]; limit: number }) {
      const next = await pendingDeliveryIds(db, input.subscriptionId, input.exclude, input.limit);
      return { ids: next.active ? next.ids : [], maxConcurrency: next.maxConcurrency };
    },

    /**
     * One attempt of one delivery: signed, bounded, logged. A failure throws so the retry policy
     * tries again later with the same `webhook-id`; a subscription switched off meanwhile leaves
     * the delivery pending for when it is switched on again.
     */
    async deliverWebhook(input: {
      deliveryId: string;
      retry: RetryShape;
      timeoutSeconds: number;
    }): Promise<'succeeded' | 'not_pending' | 'inactive'> {
      const loaded = await loadWebhookDelivery(db, input.deliveryId);
      if (!loaded || loaded.delivery.status !== 'pending') return 'not_pending';
      if (!loaded.subscription.active) return 'inactive';
      const { subscription, notification } = loaded;
      const startedAt = clock();
      const body = JSON.stringify(
        webhookPayload(notification, { internal: subscription.internal, baseUrl: notify.baseUrl }),
      );
      const headers = webhookHeaders({
        id: `msg_${notification.id}`,
        timestamp: Math.floor(startedAt.getTime() / 1000),
        body,
        secrets: signingSecrets(notify.secrets, subscription, startedAt),
      });
      const result = await postWebhook({
        url: subscription.url,
        headers,
        body,
        timeoutMs: input.timeoutSeconds * 1000,
        policy: notify.urlPolicy,
      });
      // Counted on the delivery, not the activity: a redelivery goes on from the attempts already logged.
      const attempt = loaded.delivery.attempts + 1;
      await recordWebhookAttempt(db, {
        deliveryId: input.deliveryId,
        attempt,
        startedAt,
        statusCode: result.statusCode,
        latencyMs: result.latencyMs,
        error: result.error,
        responseExcerpt: result.responseExcerpt,
        nextAttemptAt: result.ok ? null : nextAttemptAfter(clock(), activityInfo().attempt, input.retry),
        succeeded: result.ok,
      });
      if (result.ok) return 'succeeded';
      const why = result.statusCode !== null ? `HTTP ${result.statusCode}` : (result.error ?? 'no answer');
      logger.info({ deliveryId: input.deliveryId, attempt, why }, 'webhook attempt failed; will retry');
      // Benign: a receiver's failure is expected and logged in the delivery log, not the worker's warnings.
      throw ApplicationFailure.create({
        message: `${subscription.name} answered ${why}`,
        type: 'WebhookAttemptFailed',
        category: ApplicationFailureCategory.BENIGN,
      });
    },

    /** The delivery's retries ran out: it fails, and its subscription is disabled with an ops task. */
    async failWebhookDelivery(input: { deliveryId: string; reason: string }) {
      const result = await failWebhookDelivery(db, { deliveryId: input.deliveryId, reason: input.reason, at: clock() });
      logger.warn({ ...input, ...result }, 'webhook delivery failed for good; subscription disabled');
      return result;
    },
  };
}

function emailActivities({ db, clock, logger, notify }: ActivityDeps & { notify: NotifyDeps }) {
  return {
    async nextEmails(input: { exclude: string[]; limit: number }): Promise<string[]> {
      return notify.mailer ? pendingEmailIds(db, input.exclude, input.limit) : [];
    },

    /** Sends one email, or skips it: its person gone, their preference now off, or too old to matter. */
    async sendEmail(input: { emailId: string }): Promise<'succeeded' | 'skipped' | 'not_pending'> {
      const loaded = await loadEmail(db, input.emailId);
      if (!loaded || loaded.email.status !== 'pending') return 'not_pending';
      const attempts = activityInfo().attempt;
      const ageSeconds = (clock().getTime() - loaded.email.createdAt.getTime()) / 1000;
      if (!notify.mailer || !loaded.to.active || ageSeconds > notify.emailMaxAgeSeconds) {
        await markEmail(db, input.emailId, { status: 'skipped', attempts });
        return 'skipped';
      }
      const text = loaded.digest
        ? digestEmail({
            to: loaded.to,
            date: loaded.email.digestDate ?? '',
            ...loaded.digest,
            baseUrl: notify.baseUrl,
          })
        : notificationEmail(loaded.notification!, loaded.to, notify.baseUrl);
      await notify.mailer.send({ to: loaded.to.email, ...text });
      await markEmail(db, input.emailId, { status: 'succeeded', attempts });
      logger.debug({ emailId: input.emailId, kind: loaded.email.kind }, 'email sent');
      return 'succeeded';
    },

    async markEmailFailed(input: { emailId: string; error: string }): Promise<void> {
      await markEmail(db, input.emailId, { status: 'failed', error: input.error, attempts: 0 });
      logger.warn(input, 'email failed for good');
    },

    /** The day's digests: one per person who wants one and has tasks due or overdue. */
    async planDailyDigests(input: { date: string }): Promise<number> {
      const dayEnd = new Date(`${input.date}T23:59:59.999Z`);
      const planned = await planDigests(db, input.date, dayEnd);
      logger.info({ date: input.date, planned }, 'daily digests planned');
      return planned;
    },
  };
}

export function createNotifyActivities(deps: ActivityDeps & { notify: NotifyDeps }) {
  return { ...webhookActivities(deps), ...emailActivities(deps) };
}
