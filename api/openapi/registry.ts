/**
 * The API's OpenAPI 3.1 document, generated from the zod schemas the routes validate with
 * (zod-to-openapi). Routes are documented where they are mounted (`route-kit.ts`), so a
 * route cannot be served without being in the document. Other modules may document their
 * own routes with `documentRoute`.
 */
import { OpenAPIRegistry, OpenApiGeneratorV31, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import type { z } from 'zod';
import { problemSchema } from '../schemas/common';

const registry = new OpenAPIRegistry();
const documented = new Set<string>();

registry.registerComponent('securitySchemes', 'bearer', {
  type: 'http',
  scheme: 'bearer',
  description: 'An API token from `POST /v1/users/{id}/tokens` (or the bootstrap admin token).',
});
const named: z.ZodType[] = [];

/**
 * Names a schema (`components/schemas/<name>`, referenced wherever it is used) and returns
 * the named copy: use the result in routes. zod 4 metadata (`id`), so schemas built before
 * this module loads (the machine's) can be named too.
 */
export function documentSchema<T extends z.ZodType>(name: string, schema: T): T {
  const copy = schema.meta({ ...(schema.meta() ?? {}), id: name }) as T;
  named.push(copy);
  return copy;
}

export const problemComponent = documentSchema('Problem', problemSchema);

/** Documents one route once (a second app in the same process documents nothing new). */
export function documentRoute(config: RouteConfig): void {
  const id = `${config.method} ${config.path}`;
  if (documented.has(id)) return;
  documented.add(id);
  registry.registerPath(config);
}

/** Documents one request the API sends (a webhook: the document's `webhooks`, OpenAPI 3.1) once. */
export function documentWebhook(config: RouteConfig): void {
  const id = `webhook ${config.path}`;
  if (documented.has(id)) return;
  documented.add(id);
  registry.registerWebhook(config);
}

/** `/opportunities/:id` → `/opportunities/{id}` */
export const toOpenApiPath = (expressPath: string): string => expressPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

interface ParameterLike {
  in?: string;
  schema?: { type?: unknown; default?: unknown };
}

/**
 * A query or header parameter is sent as text: a default that zod reports as the parsed value
 * (`limit` defaults to the number 25) is written as the text a client would send (`"25"`), so
 * the default matches the parameter's own `type: string`.
 */
function defaultsAsSent(paths: object | undefined): void {
  for (const item of Object.values(paths ?? {}) as object[]) {
    for (const operation of Object.values(item) as { parameters?: ParameterLike[] }[]) {
      for (const parameter of operation.parameters ?? []) {
        const schema = parameter.schema;
        if (schema?.type === 'string' && schema.default !== undefined && typeof schema.default !== 'string')
          schema.default = String(schema.default);
      }
    }
  }
}

let cached: { size: number; doc: ReturnType<OpenApiGeneratorV31['generateDocument']> } | undefined;

export function openApiDocument() {
  if (cached?.size === documented.size) return cached.doc;
  const doc = new OpenApiGeneratorV31([...registry.definitions, ...named]).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Opportunity path API',
      version: '1.0.0',
      description:
        'Sales reps move deals through the opportunity machine; ops run the pipeline; clients read only approved client-safe text. ' +
        'Errors are RFC 9457 problem+json. Every POST accepts an optional `Idempotency-Key` that makes a retry safe; ' +
        'opportunities carry an ETag and their events honour an optional `If-Match`.',
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
  });
  defaultsAsSent(doc.paths);
  cached = { size: documented.size, doc };
  return doc;
}
