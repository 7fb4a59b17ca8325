/**
 * The handoff context of HO1 in the machine alone: MARK_WON names every missing context fact,
 * a data source must name a recorded connector account, a connector recorded again is updated,
 * `contextBlockers` says what holds the handoff up, the six events belong to `contract` and
 * `won` only, and their schemas refuse what a person cannot mean.
 */
import {
  applyEvent,
  contextBlockers,
  HANDOFF_CONTEXT_FACTS,
  STAGES,
  type DealState,
  type HandoffContextFact,
  type Stage,
} from '../../../machines/opportunity';
import { accept, bare, contractFacts, dealAt, ev, handoffContext, ops, refuse } from './support';

const SERVICE_ID = '0f0e0d0c-0b0a-4909-8807-060504030201';

/** One event recording each context fact, in the order a data source needs (its connector first). */
const RECORDERS: Record<HandoffContextFact, () => Record<string, unknown>> = {
  handoff_client: () =>
    bare('RECORD_HANDOFF_CLIENT', { name: 'Acme Plumbing LLC', domain: 'https://www.Acme.example/' }),
  portal_contacts: () =>
    bare('RECORD_PORTAL_CONTACTS', { contacts: [{ name: 'Dana Office', email: 'Dana@Acme.example' }] }),
  connector_accounts: () => connector('hubspot', 'granted'),
  data_sources: () => dataSource('hubspot'),
  reporting_baseline: () =>
    bare('RECORD_REPORTING_BASELINE', {
      figures: [{ metric: 'monthly_leads', value: 120, unit: 'leads', period: '2025-01', measuredIn: 'HubSpot' }],
    }),
  services_sold: () => bare('RECORD_SERVICES_SOLD', { serviceIds: [SERVICE_ID] }),
};

const connector = (connectorId: string, access: string, extra: Record<string, unknown> = {}) =>
  bare('RECORD_CONNECTOR_ACCOUNT', { connectorId, provider: 'HubSpot', accountRef: 'portal 4411', access, ...extra });
const dataSource = (connectorId: string, sourceId = 'crm-leads') =>
  bare('RECORD_DATA_SOURCE', { sourceId, kind: 'crm', name: 'HubSpot leads', connectorId });

/** A deal in contract with every W2 contract fact, so only the handoff context is missing. */
const contractReady = (): DealState => accept(dealAt('contract'), contractFacts());

/** Applies an event that must be refused as invalid input, and returns the paths named (each once: an email may break two rules). */
function invalidPaths(state: DealState, event: unknown): string[] {
  const result = applyEvent(state, event);
  if (result.ok || result.code !== 'invalid_event')
    throw new Error(`expected invalid_event, got ${JSON.stringify(result)}`);
  return [...new Set(result.issues.map((i) => i.path))];
}

describe('HO1 handoff context before MARK_WON', () => {
  it('[HO1] refuses MARK_WON naming every missing context fact, each recorded one drops out, and accepts once all six are there', () => {
    let deal = contractReady();
    expect(refuse(deal, ev('MARK_WON'))).toEqual([...HANDOFF_CONTEXT_FACTS]);
    const recorded: HandoffContextFact[] = [];
    for (const fact of HANDOFF_CONTEXT_FACTS) {
      deal = accept(deal, RECORDERS[fact]());
      recorded.push(fact);
      const missing = HANDOFF_CONTEXT_FACTS.filter((f) => !recorded.includes(f));
      if (missing.length > 0) expect(refuse(deal, ev('MARK_WON'))).toEqual(missing);
    }
    const won = accept(deal, ev('MARK_WON'));
    expect(won.stage).toBe('won');
    expect(won.context.handoffContext).toEqual({
      client: { clientId: null, name: 'Acme Plumbing LLC', domain: 'acme.example' },
      portalContacts: [{ name: 'Dana Office', email: 'dana@acme.example' }],
      connectors: [expect.objectContaining({ connectorId: 'hubspot', access: 'granted', recordedBy: 'rep-1' })],
      dataSources: [{ sourceId: 'crm-leads', kind: 'crm', name: 'HubSpot leads', connectorId: 'hubspot' }],
      baseline: [{ metric: 'monthly_leads', value: 120, unit: 'leads', period: '2025-01', measuredIn: 'HubSpot' }],
      serviceIds: [SERVICE_ID],
    });
  });

  it('[HO1] names the W2 contract facts and the context facts together when both are missing', () => {
    expect(refuse(dealAt('contract'), ev('MARK_WON'))).toEqual(
      expect.arrayContaining(['contract_state', 'launch_blockers', ...HANDOFF_CONTEXT_FACTS]),
    );
  });

  it('[HO1] refuses RECORD_DATA_SOURCE with known_connector for a connector not recorded on the deal', () => {
    let deal = contractReady();
    expect(refuse(deal, dataSource('hubspot'))).toEqual(['known_connector']);
    deal = accept(deal, connector('hubspot', 'requested'));
    expect(refuse(deal, dataSource('salesforce'))).toEqual(['known_connector']);
    const after = accept(deal, dataSource('hubspot'));
    expect(after.context.handoffContext.dataSources.map((d) => d.connectorId)).toEqual(['hubspot']);
  });

  it('[HO1] recording the same connectorId again updates it (access granted) instead of adding a second one', () => {
    let deal = accept(contractReady(), connector('hubspot', 'requested'));
    deal = accept(deal, connector('ga4', 'refused', { provider: 'Google Analytics', accountRef: 'GA-1' }));
    deal = accept(deal, connector('hubspot', 'granted', { actor: ops, accountRef: 'portal 9000' }));
    const connectors = deal.context.handoffContext.connectors;
    expect(connectors.map((c) => [c.connectorId, c.access, c.accountRef, c.recordedBy])).toEqual([
      ['hubspot', 'granted', 'portal 9000', 'ops-1'],
      ['ga4', 'refused', 'GA-1', 'rep-1'],
    ]);
  });

  it('[HO1] contextBlockers names each missing fact, then each connector whose access is requested or refused, and nothing once all are granted', () => {
    let deal = contractReady();
    expect(contextBlockers(deal.context).map((b) => [b.code, b.ref])).toEqual(
      HANDOFF_CONTEXT_FACTS.map((code) => [code, null]),
    );
    deal = handoffContext().reduce(accept, deal);
    expect(contextBlockers(deal.context)).toEqual([]);
    deal = accept(deal, connector('hubspot', 'requested'));
    deal = accept(deal, connector('ga4', 'refused', { provider: 'Google Analytics', accountRef: 'GA-1' }));
    const blockers = contextBlockers(deal.context);
    expect(blockers.map((b) => [b.code, b.ref])).toEqual([
      ['connector_access', 'hubspot'],
      ['connector_access', 'ga4'],
    ]);
    expect(blockers[0].detail).toContain('requested');
    expect(blockers[1].detail).toContain('refused');
    // Access to both granted: nothing holds the handoff up any more.
    deal = accept(deal, connector('hubspot', 'granted'));
    expect(contextBlockers(deal.context).map((b) => b.ref)).toEqual(['ga4']);
    deal = accept(deal, connector('ga4', 'granted', { provider: 'Google Analytics', accountRef: 'GA-1' }));
    expect(contextBlockers(deal.context)).toEqual([]);
  });

  it('[HO1] a won deal with a connector whose access is not granted has a blocker, and ops can grant it in won', () => {
    let won = dealAt('won');
    expect(contextBlockers(won.context)).toEqual([]);
    won = accept(won, connector('hubspot', 'refused', { actor: ops }));
    expect(won.stage).toBe('won');
    expect(contextBlockers(won.context).map((b) => [b.code, b.ref])).toEqual([['connector_access', 'hubspot']]);
    won = accept(won, connector('hubspot', 'granted', { actor: ops }));
    expect(contextBlockers(won.context)).toEqual([]);
  });
});

describe('HO1 context events belong to contract and won', () => {
  const ALL_SIX = (): Record<string, unknown>[] => HANDOFF_CONTEXT_FACTS.map((fact) => RECORDERS[fact]());

  it('[HO1] every context event is accepted in contract and in won, leaving the stage as it was', () => {
    for (const start of [contractReady(), dealAt('won')]) {
      let deal = start;
      for (const event of ALL_SIX()) {
        deal = accept(deal, event);
        expect([event.type, deal.stage]).toEqual([event.type, start.stage]);
      }
      expect(deal.context.handoffContext.client?.name).toBe('Acme Plumbing LLC');
    }
  });

  const elsewhere = STAGES.filter((stage): stage is Stage => stage !== 'contract' && stage !== 'won');
  it.each(elsewhere)('[HO1] every context event is refused in %s, naming stage first', (stage) => {
    const deal = dealAt(stage);
    for (const event of ALL_SIX()) {
      const gates = refuse(deal, event);
      expect([event.type, gates[0]]).toEqual([event.type, 'stage']);
    }
  });
});

describe('HO1 context schemas refuse what a person cannot mean', () => {
  const deal = contractReady();
  const contacts = (list: unknown) => bare('RECORD_PORTAL_CONTACTS', { contacts: list });
  const figures = (value: unknown) =>
    bare('RECORD_REPORTING_BASELINE', {
      figures: [{ metric: 'monthly_leads', value, unit: 'leads', period: '2025-01', measuredIn: 'CRM' }],
    });

  it('[HO1] refuses a bad email, naming it', () => {
    for (const email of ['not-an-email', 'dana@', '@acme.example', 'dana acme@acme.example', `${'a'.repeat(250)}@x.io`])
      expect([email, invalidPaths(deal, contacts([{ name: 'Dana', email }]))]).toEqual([email, ['contacts.0.email']]);
  });

  it('[HO1] refuses the same email twice, whatever its case, and an empty list', () => {
    const twice = [
      { name: 'Dana', email: 'dana@acme.example' },
      { name: 'Dana again', email: 'DANA@acme.example' },
    ];
    expect(invalidPaths(deal, contacts(twice))).toEqual(['contacts']);
    expect(invalidPaths(deal, contacts([]))).toEqual(['contacts']);
  });

  it('[HO1] refuses NUL and control characters in names, emails, connector and data source fields', () => {
    expect(invalidPaths(deal, contacts([{ name: 'Da\u0000na', email: 'dana@acme.example' }]))).toEqual([
      'contacts.0.name',
    ]);
    expect(invalidPaths(deal, contacts([{ name: 'Dana', email: 'da\u0007na@acme.example' }]))).toEqual([
      'contacts.0.email',
    ]);
    expect(invalidPaths(deal, connector('hub\u0000spot', 'granted'))).toEqual(['connectorId']);
    expect(invalidPaths(deal, connector('hubspot', 'granted', { provider: 'Hub\u001bSpot' }))).toEqual(['provider']);
    expect(invalidPaths(deal, bare('RECORD_HANDOFF_CLIENT', { name: 'Acme\u0000' }))).toEqual(['name']);
    expect(
      invalidPaths(deal, bare('RECORD_DATA_SOURCE', { sourceId: 's', kind: 'crm', name: 'Lea\nds', connectorId: 'x' })),
    ).toEqual(['name']);
  });

  it('[HO1] refuses a client without clientId or name, and a domain that is no host name', () => {
    expect(invalidPaths(deal, bare('RECORD_HANDOFF_CLIENT', { domain: 'acme.example' }))).toEqual(['name']);
    expect(invalidPaths(deal, bare('RECORD_HANDOFF_CLIENT', { name: 'Acme', domain: 'not a domain' }))).toEqual([
      'domain',
    ]);
  });

  it('[HO1] refuses an access state outside requested, granted, refused', () => {
    expect(invalidPaths(deal, connector('hubspot', 'pending'))).toEqual(['access']);
  });

  it('[HO1] refuses a negative, huge or non-finite baseline value, and the same metric twice', () => {
    for (const value of [-1, -0.01, 1e13, Number.MAX_VALUE, '120', null])
      expect([value, invalidPaths(deal, figures(value))]).toEqual([value, ['figures.0.value']]);
    expect(accept(deal, figures(0)).context.handoffContext.baseline[0].value).toBe(0);
    expect(accept(deal, figures(1e12)).context.handoffContext.baseline[0].value).toBe(1e12);
    const twice = bare('RECORD_REPORTING_BASELINE', {
      figures: [
        { metric: 'monthly_leads', value: 1, unit: 'leads', period: '2025-01', measuredIn: 'CRM' },
        { metric: 'Monthly_Leads', value: 2, unit: 'leads', period: '2025-02', measuredIn: 'CRM' },
      ],
    });
    expect(invalidPaths(deal, twice)).toEqual(['figures']);
  });

  it('[HO1] refuses the same service twice, a service id that is no uuid, and an empty list', () => {
    expect(invalidPaths(deal, bare('RECORD_SERVICES_SOLD', { serviceIds: [SERVICE_ID, SERVICE_ID] }))).toEqual([
      'serviceIds',
    ]);
    expect(invalidPaths(deal, bare('RECORD_SERVICES_SOLD', { serviceIds: ['lead-flow'] }))).toEqual(['serviceIds.0']);
    expect(invalidPaths(deal, bare('RECORD_SERVICES_SOLD', { serviceIds: [] }))).toEqual(['serviceIds']);
  });

  it('[HO1] a refused context event changes nothing', () => {
    const before = JSON.stringify(deal);
    invalidPaths(deal, contacts([{ name: 'Dana', email: 'bad' }]));
    refuse(deal, dataSource('unknown'));
    expect(JSON.stringify(deal)).toBe(before);
  });
});
