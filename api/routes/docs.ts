import { Router } from 'express';
import { openApiDocument } from '../openapi/registry';
import { DOCS_PAGE } from '../openapi/docs-page';
import { documentPublicRoutes } from '../openapi/public-routes';

/** `/openapi.json` (generated from the zod schemas) and `/docs`, a self-contained page that renders it. */
export function docsRoutes(): Router {
  const router = Router();
  documentPublicRoutes();
  router.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument());
  });
  router.get('/docs', (_req, res) => {
    // The page's one inline script needs its own CSP (helmet's default forbids inline scripts).
    res
      .set(
        'Content-Security-Policy',
        `default-src 'none'; connect-src 'self'; script-src 'sha256-${DOCS_PAGE.scriptHash}'; style-src 'unsafe-inline'`,
      )
      .type('html')
      .send(DOCS_PAGE.html);
  });
  return router;
}
