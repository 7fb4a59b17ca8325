import { gateCatalogue } from '../../machines/opportunity';
import type { AppDeps } from '../app';
import { apiRouter } from '../route-kit';
import { gateCatalogueSchema } from '../schemas/gates';

/** GC1: the gate catalogue, so a refusal's `unmetGates` can be looked up. */
export function gateRoutes({ db, logger }: AppDeps) {
  const { router, add } = apiRouter('/v1', { db, logger });

  add(
    {
      method: 'get',
      path: '/gates',
      summary: 'List every gate code a refusal can name (GC1)',
      description:
        'The gate catalogue: one entry per code that `unmetGates` of a refused event can name, with the requirement IDs ' +
        'behind it, the moves it guards (event and stages, read from the machine’s move table), what satisfies it (the ' +
        'values that count, e.g. `contract_state` only by `signed`, `payment_state` by any state after `not_invoiced`, ' +
        '`overdue` included) and which events or endpoints record the fact. The same for every caller and every deal.',
      tags: ['Gates'],
      roles: ['admin', 'ops', 'rep'],
      success: { status: 200, description: 'The whole catalogue', schema: gateCatalogueSchema },
    },
    async () => ({ body: { items: gateCatalogue() } }),
  );

  return router;
}
