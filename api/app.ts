import express, { type Express } from 'express';
import helmet from 'helmet';
import type { Client } from '@temporalio/client';
import type { Db } from '../db/client';
import type { Logger } from '../infra/logger';
import { authenticate } from './auth';
import type { DealGateway } from './deal-gateway';
import { DomainError, problemMiddleware } from './errors';
import { healthRoutes } from './routes/health';
import { opportunityRoutes } from './routes/opportunities';

export interface ApiConfig {
  bodyLimit: string;
  temporalUiUrl?: string;
  rateLimitPerMinute: number;
}

export interface AppDeps {
  db: Db;
  temporal: Client;
  deals: DealGateway;
  logger: Logger;
  config: ApiConfig;
}

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use(helmet());
  app.use(express.json({ limit: deps.config.bodyLimit, strict: true, type: ['application/json', 'application/*+json'] }));
  app.use(healthRoutes(deps));

  const v1 = express.Router();
  v1.use(authenticate(deps.db));
  v1.use(opportunityRoutes(deps));
  app.use('/v1', v1);

  app.use((req, _res, next) => next(new DomainError('not_found', 404, `No route for ${req.method} ${req.path}`)));
  app.use(problemMiddleware(deps.logger));
  return app;
}
