import type { NotifyDeps } from '../../activities/notify';
import { loadConfig } from '../../infra/config';
import { notifyDepsOf } from '../../infra/notify-config';

/** The notification activities' dependencies from the run's config (email off, no allowed hosts). */
export const testNotifyDeps = (): NotifyDeps => notifyDepsOf(loadConfig());
