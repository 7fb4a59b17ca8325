import {
  ActivityFailure,
  condition,
  continueAsNew,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { DealActivities } from '../../activities';
import { wakeSignal, type DispatchInput, type DispatchPolicy, type NotifyChannel } from './messages';

/**
 * A dispatcher carries nothing but its input across runs, so it starts a new one early: a worker
 * that lost the run from its cache replays it whole, and at ~4,000 events that replay outlasted
 * the workflow task timeout on a loaded 2-core machine (bench/README.md, webhooks).
 */
const HISTORY_EVENTS_PER_RUN = 1_000;

const lookups = proxyActivities<DealActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/** One delivery's activity: retried with exponential backoff for the whole window, the same message each time. */
function deliveryActivities(policy: DispatchPolicy) {
  return proxyActivities<DealActivities>({
    startToCloseTimeout: `${policy.attemptTimeoutSeconds + 5} seconds`,
    scheduleToCloseTimeout: `${policy.retryWindowSeconds} seconds`,
    retry: {
      initialInterval: `${policy.retryInitialSeconds} seconds`,
      backoffCoefficient: 2,
      maximumInterval: `${policy.retryMaxIntervalSeconds} seconds`,
    },
  });
}

/** What differs between a webhook subscription's channel and the email channel. */
interface Channel {
  next(exclude: string[], limit: number): Promise<{ ids: string[]; cap: number }>;
  deliver(id: string): Promise<unknown>;
  giveUp(id: string, reason: string): Promise<unknown>;
}

function channelOf(channel: NotifyChannel, policy: DispatchPolicy): Channel {
  const delivery = deliveryActivities(policy);
  const retry = { initialSeconds: policy.retryInitialSeconds, maxIntervalSeconds: policy.retryMaxIntervalSeconds };
  if (channel === 'email')
    return {
      next: async (exclude, limit) => ({
        ids: await lookups.nextEmails({ exclude, limit }),
        cap: policy.emailConcurrency,
      }),
      deliver: (emailId) => delivery.sendEmail({ emailId }),
      giveUp: (emailId, reason) => lookups.markEmailFailed({ emailId, error: reason }),
    };
  const subscriptionId = channel.slice('webhook:'.length);
  return {
    next: async (exclude, limit) => {
      const next = await lookups.nextWebhookDeliveries({ subscriptionId, exclude, limit });
      return { ids: next.ids, cap: next.maxConcurrency };
    },
    deliver: (deliveryId) =>
      delivery.deliverWebhook({ deliveryId, retry, timeoutSeconds: policy.attemptTimeoutSeconds }),
    giveUp: (deliveryId, reason) => lookups.failWebhookDelivery({ deliveryId, reason }),
  };
}

/** Why the last attempt failed, as the delivery log and the disabled subscription show it. */
function reasonOf(error: unknown, policy: DispatchPolicy): string {
  const cause = error instanceof ActivityFailure ? (error.cause ?? error) : error;
  const message = cause instanceof Error ? cause.message : String(cause);
  return `still failing after ${policy.retryWindowSeconds} s of retries; last: ${message}`.slice(0, 500);
}

/**
 * Holds a channel's deliveries in flight, at most its cap at once, and takes more when woken or
 * when the last look found a full page. The rows say what is pending, so a new run (after
 * continue-as-new, a restart or idling out) loses nothing.
 */
class Dispatcher {
  private readonly inFlight = new Set<string>();
  private woken = true;
  private more = false;
  private cap = 1;

  constructor(
    private readonly input: DispatchInput,
    private readonly channel: Channel,
  ) {}

  wake(): void {
    this.woken = true;
  }

  private get wantsMore(): boolean {
    return (this.woken || this.more) && this.inFlight.size < this.cap;
  }

  private async takeMore(): Promise<void> {
    this.woken = false;
    const limit = Math.max(this.cap - this.inFlight.size, 1);
    const next = await this.channel.next([...this.inFlight], limit);
    this.cap = Math.max(next.cap, 1);
    this.more = next.ids.length >= limit;
    for (const id of next.ids) this.start(id);
  }

  private start(id: string): void {
    this.inFlight.add(id);
    void this.channel
      .deliver(id)
      .catch((error: unknown) => this.channel.giveUp(id, reasonOf(error, this.input.policy)))
      .finally(() => this.inFlight.delete(id));
  }

  private get historyFull(): boolean {
    const info = workflowInfo();
    return info.continueAsNewSuggested || info.historyLength > HISTORY_EVENTS_PER_RUN;
  }

  async run(): Promise<void> {
    for (;;) {
      if (this.wantsMore) await this.takeMore();
      if (this.historyFull) {
        await condition(() => this.inFlight.size === 0);
        await continueAsNew<typeof notifyDispatchWorkflow>(this.input);
      }
      if (this.inFlight.size > 0) await condition(() => this.wantsMore || this.inFlight.size === 0);
      else if (!this.wantsMore && !(await condition(() => this.wantsMore, `${this.input.policy.idleSeconds} seconds`)))
        return;
    }
  }
}

/**
 * NT1: delivers one channel's pending notifications (one webhook subscription, or email). The
 * worker's kicker starts it with a wake when a delivery is written; it ends after a quiet spell.
 */
export async function notifyDispatchWorkflow(input: DispatchInput): Promise<void> {
  const dispatcher = new Dispatcher(input, channelOf(input.channel, input.policy));
  setHandler(wakeSignal, () => dispatcher.wake());
  await dispatcher.run();
}
