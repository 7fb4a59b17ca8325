import http from 'node:http';
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import { checkWebhookTarget, safeLookup, WebhookUrlRefused, type UrlPolicy } from './url-safety';

/**
 * One webhook attempt over node:http(s) (NT1). Not `fetch`: it must take a custom `lookup` (the
 * address check at connect time), never follow a redirect, and stop reading a large answer.
 */

export interface PostResult {
  /** null when no answer came (refused, network error, timeout before the status line). */
  statusCode: number | null;
  /** Until the status line arrived, or until the attempt gave up. */
  latencyMs: number;
  /** Why no answer came; null whenever a status code did (the code says the rest). */
  error: string | null;
  /** The first 256 characters of the answer's body (null when no answer came). */
  responseExcerpt: string | null;
  /** A 2xx answer; a redirect (3xx) is not followed and counts as a failure. */
  ok: boolean;
}

export interface PostInput {
  url: string;
  headers: Record<string, string>;
  body: string;
  /** Bounds the whole attempt: connecting, sending and the answer. */
  timeoutMs: number;
  policy: UrlPolicy;
}

/** Only an excerpt is kept, so only a little is read: a receiver cannot make us buffer megabytes. */
const READ_LIMIT_BYTES = 4096;
const EXCERPT_CHARS = 256;

/** Code points, not UTF-16 units, so a cut never leaves half a surrogate pair; Postgres text cannot hold NUL. */
function excerptOf(chunks: Buffer[]): string {
  const text = Buffer.concat(chunks).subarray(0, READ_LIMIT_BYTES).toString('utf8');
  return Array.from(text).slice(0, EXCERPT_CHARS).join('').replace(/\0/g, '\uFFFD');
}

function describe(error: unknown): string {
  if (error instanceof WebhookUrlRefused) return `refused: ${error.reason}`;
  const { code, message } = error as NodeJS.ErrnoException;
  return code ? `${code} ${message}` : String(message ?? error);
}

/**
 * POSTs `body` once. Never throws for what the network or the receiver does: every outcome is a
 * `PostResult` (error `'ECONNREFUSED ...'`, `'timeout after N ms'`, `'refused: ...'`).
 */
export async function postWebhook(input: PostInput): Promise<PostResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  let target: URL;
  try {
    target = checkWebhookTarget(input.url, input.policy);
  } catch (error) {
    return { statusCode: null, latencyMs: elapsed(), error: describe(error), responseExcerpt: null, ok: false };
  }
  return new Promise<PostResult>((resolve) => {
    let statusCode: number | null = null;
    let latencyMs: number | null = null;
    const chunks: Buffer[] = [];
    let received = 0;
    let settled = false;
    const request = (target.protocol === 'https:' ? https : http).request(target, {
      method: 'POST',
      headers: { ...input.headers, 'content-length': String(Buffer.byteLength(input.body)) },
      lookup: safeLookup(input.policy),
      // A fresh connection each attempt, so each one goes through the address check.
      agent: false,
    });
    /** Ends the attempt once: what came so far decides; the connection is dropped. */
    const finish = (error: string | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.destroy();
      const answered = statusCode !== null;
      resolve({
        statusCode,
        latencyMs: latencyMs ?? elapsed(),
        error: answered ? null : error,
        responseExcerpt: answered ? excerptOf(chunks) : null,
        ok: statusCode !== null && statusCode >= 200 && statusCode < 300,
      });
    };
    const timer = setTimeout(() => finish(`timeout after ${input.timeoutMs} ms`), input.timeoutMs);
    request.on('response', (response) => {
      statusCode = response.statusCode ?? null;
      latencyMs = elapsed();
      response.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        received += chunk.length;
        if (received >= READ_LIMIT_BYTES) finish(null);
      });
      response.on('end', () => finish(null));
      response.on('error', () => finish(null));
    });
    request.on('error', (error) => finish(describe(error)));
    request.on('close', () => finish('connection closed without an answer'));
    request.end(input.body);
  });
}
