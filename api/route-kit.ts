/**
 * One way to mount a route: the same spec validates the request (strict zod schemas;
 * failures name the field), checks the caller's role, applies `Idempotency-Key` to POSTs,
 * sends the reply, and documents the route in the OpenAPI document with its errors.
 */
import { Router, type Request, type Response } from 'express';
import type { ZodObject, ZodType, z } from 'zod';
import type { Db } from '../db/client';
import type { Page } from '../db/queries/support';
import type { Logger } from '../infra/logger';
import type { UserRole } from '../machines/opportunity';
import { principalOf, type Principal } from './auth';
import { DomainError, forbidden } from './errors';
import { idempotencyKeyOf, withIdempotency, type Reply } from './idempotency';
import { problemResponse } from './openapi/problems';
import { documentRoute, toOpenApiPath } from './openapi/registry';
import { idempotencyKeySchema, ifMatchSchema } from './schemas/common';
import { pageReply, type RenderOptions } from './routes/pagination';
import { parse } from './validation';

export interface RouteSpec<
  P extends ZodObject | undefined,
  Q extends ZodObject | undefined,
  B extends ZodType | undefined,
> {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: string;
  summary: string;
  description?: string;
  tags: string[];
  /** Roles that may call it; `public` needs no token. */
  roles: readonly UserRole[] | 'public';
  params?: P;
  query?: Q;
  body?: B;
  /** Documents `If-Match` on this route. */
  ifMatch?: boolean;
  /**
   * A public POST that honours `Idempotency-Key`: whose keys they are, from the request (a
   * secret the body carries, hashed), so one caller's key never replays another's answer.
   */
  publicKeyOwner?: (req: Request) => string | undefined;
  success: { status: number; description: string; schema?: ZodType; contentType?: string; headers?: string[] };
  /** Error statuses besides the ones every route has (400, 401, 403, 413, 415, 422, 429 as they apply). */
  errors?: number[];
}

type Infer<T> = T extends ZodType ? z.infer<T> : undefined;

export interface RouteInput<P, Q, B> {
  req: Request;
  res: Response;
  principal: Principal;
  params: P;
  query: Q;
  body: B;
  /** The caller's `Idempotency-Key` (POST only). */
  idempotencyKey?: string;
}

const HEADER_DOCS: Record<string, { description: string; schema: { type: 'string' } }> = {
  ETag: { description: 'The opportunity version, e.g. `"3"`', schema: { type: 'string' } },
  Location: { description: 'The new resource', schema: { type: 'string' } },
  'Idempotent-Replayed': {
    description: '`true` when this is the stored answer of an earlier request with the same key',
    schema: { type: 'string' },
  },
};

const IDEMPOTENCY_KEY_PARAM = {
  name: 'Idempotency-Key',
  description:
    'Optional. A key of your choosing that makes a retry safe: a retry with the same key and body gets the stored ' +
    'answer of the first request (one effect, `Idempotent-Replayed: true`); the same key with another body or route is ' +
    '422 `idempotency_key_reused`; while the first request still runs, 409 `idempotency_in_flight` with Retry-After. ' +
    'Without a key the request runs each time it is sent.',
};
const IF_MATCH_PARAM = {
  name: 'If-Match',
  description:
    'Optional. The ETag of the version the change is based on (`"3"`, `W/"3"` or `*`): a stale one is 412 ' +
    '`version_mismatch` with `currentVersion`. Without it (or with `*`) the change applies to the current version.',
};

/** A request header the server reads when it is sent and does without otherwise. */
const optionalHeader = (param: { name: string; description: string }, schema: ZodType): ZodType =>
  schema.optional().meta({ param: { name: param.name, in: 'header', description: param.description } } as never);

/**
 * A body is required only when the route refuses to go without one: the server reads a
 * missing body as `{}`, so a body schema that accepts `{}` makes the body optional.
 */
function bodyRequired(body: ZodType): boolean {
  try {
    return !body.safeParse({}).success;
  } catch {
    return true;
  }
}

function document(
  base: string,
  spec: RouteSpec<ZodObject | undefined, ZodObject | undefined, ZodType | undefined>,
): void {
  const isPublic = spec.roles === 'public';
  const keyed = spec.method === 'post' && (!isPublic || spec.publicKeyOwner !== undefined);
  // What the server can answer on any route of the kit: a bad header, query or path is 400; a
  // token problem 401 or 403; the rate limit 429; Postgres or Temporal out of reach 503. A keyed
  // POST also answers 409 (the same key still in flight) and 422 (the key reused with another
  // body); a route honouring `If-Match` answers 412 to a stale version.
  const statuses = new Set<number>([
    400,
    ...(isPublic ? [] : [401, 403]),
    429,
    503,
    ...(keyed ? [409, 422] : []),
    ...(spec.ifMatch ? [412] : []),
    ...(spec.errors ?? []),
  ]);
  if (spec.body) [413, 415, 422].forEach((s) => statuses.add(s));
  // Both headers are optional, as the server treats them: without a key a POST simply runs,
  // without `If-Match` a change applies to the deal's current version.
  const headers: ZodType[] = [];
  if (keyed) headers.push(optionalHeader(IDEMPOTENCY_KEY_PARAM, idempotencyKeySchema));
  if (spec.ifMatch) headers.push(optionalHeader(IF_MATCH_PARAM, ifMatchSchema));
  const contentType = spec.success.contentType ?? 'application/json';
  const headerNames = [...(spec.success.headers ?? []), ...(keyed ? ['Idempotent-Replayed'] : [])];
  documentRoute({
    method: spec.method,
    path: toOpenApiPath(`${base}${spec.path}`),
    operationId: `${spec.method}${toOpenApiPath(`${base}${spec.path}`)
      .replace(/[{}]/g, '')
      .replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
    summary: spec.summary,
    description: [
      spec.description,
      isPublic ? 'No token needed.' : `Roles: ${(spec.roles as readonly UserRole[]).join(', ')}.`,
    ]
      .filter(Boolean)
      .join('\n\n'),
    tags: spec.tags,
    ...(isPublic ? { security: [] } : {}),
    request: {
      ...(spec.params ? { params: spec.params } : {}),
      ...(spec.query ? { query: spec.query } : {}),
      ...(headers.length ? { headers } : {}),
      ...(spec.body
        ? { body: { required: bodyRequired(spec.body), content: { 'application/json': { schema: spec.body } } } }
        : {}),
    },
    responses: {
      [spec.success.status]: {
        description: spec.success.description,
        ...(headerNames.length ? { headers: Object.fromEntries(headerNames.map((h) => [h, HEADER_DOCS[h]])) } : {}),
        ...(spec.success.schema ? { content: { [contentType]: { schema: spec.success.schema } } } : {}),
      },
      ...Object.fromEntries([...statuses].sort().map((s) => [s, problemResponse(s)])),
    },
  });
}

/** A GET route answering one page of a list: what the spec says, less the method and the reply. */
export type ListSpec<P extends ZodObject | undefined, Q extends ZodObject> = Omit<
  RouteSpec<P, Q, undefined>,
  'method' | 'success' | 'query'
> & { query: Q };

/** How a list's rows become items: the page schema, the resource of a row, what the rows are (`users`). */
export interface ListItems<T, R> extends Partial<Omit<RenderOptions<T, R>, 'logger' | 'kind'>> {
  schema: ZodType;
  resource: (row: T) => R;
  of: string;
}

/** A router whose routes are validated, authorized, idempotent and documented alike. */
/** A router's `add` and `list`, for route files that register their routes in parts. */
export type ApiRouter = ReturnType<typeof apiRouter>;

export function apiRouter(base: string, { db, logger }: { db: Db; logger: Logger }) {
  const router = Router();
  function add<
    P extends ZodObject | undefined = undefined,
    Q extends ZodObject | undefined = undefined,
    B extends ZodType | undefined = undefined,
  >(spec: RouteSpec<P, Q, B>, handler: (input: RouteInput<Infer<P>, Infer<Q>, Infer<B>>) => Promise<Reply>): void {
    document(base, spec as RouteSpec<ZodObject | undefined, ZodObject | undefined, ZodType | undefined>);
    router[spec.method](spec.path, async (req, res) => {
      const principal =
        spec.roles === 'public'
          ? ({ userId: 'public', role: 'portal', clientId: null } as Principal)
          : principalOf(req);
      if (spec.roles !== 'public' && !spec.roles.includes(principal.role))
        throw forbidden(`This needs one of the roles ${spec.roles.join(', ')}`);
      if (
        spec.body &&
        req.body === undefined &&
        (Number(req.get('content-length') ?? 0) > 0 || req.get('transfer-encoding'))
      ) {
        throw new DomainError('unsupported_media_type', 415, 'Send the body as application/json', {
          errors: [{ field: 'headers.content-type', message: 'expected application/json' }],
        });
      }
      const keyOwner = spec.roles === 'public' ? spec.publicKeyOwner?.(req) : principal.userId;
      const key = spec.method === 'post' && keyOwner !== undefined ? idempotencyKeyOf(req) : undefined;
      const keyPrincipal = keyOwner === principal.userId ? principal : { ...principal, userId: keyOwner! };
      const run = async (): Promise<Reply> => {
        const reply = await handler({
          req,
          res,
          principal,
          params: (spec.params ? parse(spec.params, req.params, 'params') : undefined) as Infer<P>,
          query: (spec.query ? parse(spec.query, req.query, 'query') : undefined) as Infer<Q>,
          body: (spec.body ? parse(spec.body, req.body ?? {}, 'body') : undefined) as Infer<B>,
          idempotencyKey: key,
        });
        return { ...reply, status: reply.status ?? spec.success.status };
      };
      const { reply, replayed } = await withIdempotency(db, req, keyPrincipal, key, run);
      res.status(reply.status!);
      for (const [name, value] of Object.entries(reply.headers ?? {})) res.set(name, value);
      if (replayed) res.set('Idempotent-Replayed', 'true');
      if (typeof reply.body === 'string') res.type(spec.success.contentType ?? 'text/plain').send(reply.body);
      else res.json(reply.body);
    });
  }

  /** A list route: rows that cannot be shown are left out and named in `skipped`, never failing the page. */
  function list<P extends ZodObject | undefined, Q extends ZodObject, T, R>(
    spec: ListSpec<P, Q>,
    { schema, resource, of, ...render }: ListItems<T, R>,
    rows: (input: RouteInput<Infer<P>, Infer<Q>, undefined>) => Promise<Page<T>>,
  ): void {
    const success = { status: 200, description: `A page of ${of}`, schema };
    add({ ...spec, method: 'get', success }, (input) =>
      pageReply(() => rows(input), resource, { logger, kind: of, ...render }),
    );
  }
  return { router, add, list };
}
