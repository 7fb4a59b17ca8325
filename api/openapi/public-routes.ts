/** Documents the routes outside the route kit: health probes and the docs themselves (no token needed). */
import { z } from 'zod';
import { documentRoute } from './registry';

const plain = (
  path: string,
  summary: string,
  description: string,
  schema: z.ZodType,
  contentType = 'application/json',
  more: Record<number, { description: string }> = {},
) =>
  documentRoute({
    method: 'get',
    path,
    operationId: `get${path.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
    summary,
    tags: ['Service'],
    security: [],
    responses: {
      200: { description, content: { [contentType]: { schema } } },
      ...Object.fromEntries(
        Object.entries(more).map(([status, r]) => [status, { ...r, content: { [contentType]: { schema } } }]),
      ),
    },
  });

export function documentPublicRoutes(): void {
  plain('/health/live', 'Liveness', 'The process is up', z.object({ status: z.literal('live') }));
  const checks = z.object({
    status: z.enum(['ready', 'not_ready']),
    checks: z.object({
      postgres: z.enum(['up', 'down']),
      temporal: z.enum(['up', 'down']),
      workers: z.enum(['up', 'down']),
    }),
  });
  plain(
    '/health/ready',
    'Readiness',
    "Postgres and Temporal answer and a worker polls the deals' task queue (503 with the same body when not)",
    checks,
    'application/json',
    { 503: { description: 'Not ready: the same body, naming what is down' } },
  );
  plain('/openapi.json', 'This OpenAPI 3.1 document', 'The document', z.record(z.string(), z.unknown()));
  plain('/docs', 'A page that renders this document', 'HTML', z.string(), 'text/html');
}
