import path from 'node:path';
import type { SecretBox } from '../notifications/secrets';
import type { UrlPolicy } from '../notifications/url-safety';
import express, { type Express } from 'express';
import helmet from 'helmet';
import type { Client } from '@temporalio/client';
import type { Db } from '../db/client';
import type { Logger } from '../infra/logger';
import { authenticate, metricsAccess } from './auth';
import { bodyShapeLimit } from './body-shape';
import type { DealGateway } from './deal-gateway';
import { DomainError, problemMiddleware } from './errors';
import { metricsEndpoint, requestMetrics } from './metrics/http';
import { healthRoutes } from './routes/health';
import { metricsRoutes } from './routes/metrics';
import { opsRoutes } from './routes/ops';
import { opportunityRoutes } from './routes/opportunities';
import { failedAuthThrottle, rateLimitPerToken } from './rate-limit';
import { requestIds, requestLog } from './request-id';
import { docsRoutes } from './routes/docs';
import { eventRoutes } from './routes/events';
import { gateRoutes } from './routes/gates';
import { handoffRoutes } from './routes/handoff';
import { portalRoutes, proposalLinkRoutes } from './routes/portal';
import { portalInvitationAcceptRoutes, portalInvitationRoutes } from './routes/portal-invitations';
import { recordRoutes } from './routes/records';
import { serviceRoutes } from './routes/services';
import { taskRoutes } from './routes/tasks';
import { noteRoutes } from './routes/notes';
import type { TemporalUiConfig } from './temporal-ui';
import { userRoutes } from './routes/users';
import { webhookRoutes } from './routes/webhooks';

export interface ApiConfig extends TemporalUiConfig {
  bodyLimit: string;
  rateLimitPerMinute: number;
  /** How long a request waits for a deal update before answering 503 (API_UPDATE_WAIT_SECONDS). */
  updateWaitSeconds?: number;
  /** Failed authentications per client address a minute before 429 (default AUTH_FAILURES_PER_MINUTE's). */
  authFailuresPerMinute?: number;
  /** A bearer token for Prometheus scrapers of `/metrics` (admin and ops tokens work too). */
  metricsToken?: string;
  /** Days a portal invitation link works (PORTAL_INVITATION_DAYS; default DEFAULT_PORTAL_INVITATION_DAYS). */
  portalInvitationDays?: number;
  /** NT1: where webhooks may point (WEBHOOK_ALLOWED_HOSTS) and how their secrets are sealed. */
  webhooks: WebhookApiConfig;
}

export interface WebhookApiConfig {
  urlPolicy: UrlPolicy;
  secrets: SecretBox;
  /** How long the previous secret keeps signing after a rotation (WEBHOOK_SECRET_OVERLAP_SECONDS). */
  secretOverlapSeconds: number;
}

export interface AppDeps {
  db: Db;
  temporal: Client;
  deals: DealGateway;
  logger: Logger;
  config: ApiConfig;
  /** Prometheus text `/metrics` serves after the API's own (the worker's, when it runs in this process). */
  moreMetrics?: () => Promise<string>;
}

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  // First: every answer, errors included, carries the request's id, and its log line is written.
  app.use(requestIds());
  app.use(requestLog(deps.logger));
  app.use(requestMetrics());
  app.use(helmet());
  app.use(
    express.json({ limit: deps.config.bodyLimit, strict: true, type: ['application/json', 'application/*+json'] }),
  );
  // Before anything that recurses over the body (the Idempotency-Key hash, zod).
  app.use(bodyShapeLimit());
  app.use(healthRoutes(deps));
  const authThrottle = failedAuthThrottle(deps.config.authFailuresPerMinute);
  // Prometheus scrape target: METRICS_TOKEN, or an admin or ops token.
  app.get(
    '/metrics',
    metricsAccess(deps.db, { metricsToken: deps.config.metricsToken, throttle: authThrottle }),
    metricsEndpoint(deps.moreMetrics),
  );
  // The read-only ops page (M1, DL1): static files; it calls the API with the token the user enters.
  app.use(express.static(path.join(__dirname, 'static'), { index: 'index.html', fallthrough: true }));

  app.use(docsRoutes());
  app.use(
    ['/v1', '/p'],
    rateLimitPerToken({ db: deps.db, logger: deps.logger, perMinute: deps.config.rateLimitPerMinute }),
  );
  app.use(proposalLinkRoutes(deps));
  // Before the v1 router's authentication: the invitation itself is the secret.
  app.use(portalInvitationAcceptRoutes(deps));

  const v1 = express.Router();
  v1.use(authenticate(deps.db, authThrottle));
  v1.use(opportunityRoutes(deps));
  v1.use(eventRoutes(deps));
  v1.use(noteRoutes(deps));
  v1.use(recordRoutes(deps));
  v1.use(handoffRoutes(deps));
  v1.use(taskRoutes(deps));
  v1.use(userRoutes(deps));
  v1.use(serviceRoutes(deps));
  v1.use(portalRoutes(deps));
  v1.use(portalInvitationRoutes(deps));
  v1.use(metricsRoutes(deps));
  v1.use(opsRoutes(deps));
  v1.use(gateRoutes(deps));
  v1.use(webhookRoutes(deps));
  app.use('/v1', v1);

  app.use((req, _res, next) => next(new DomainError('not_found', 404, `No route for ${req.method} ${req.path}`)));
  app.use(problemMiddleware(deps.logger));
  return app;
}
