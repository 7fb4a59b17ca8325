import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { chromium, type BrowserContext } from 'playwright-core';
import type { ApiServerHandle } from '../../../infra/api-server';
import { appendEvent } from '../../../db/queries/events';
import { opportunities } from '../../../db/schema';
import { eventsUpTo, type Actor } from '../../../fixtures/deal-events';
import { createDeal } from '../../../machines/opportunity';
import type { Stage } from '../../../machines/opportunity/vocabulary';
import { dealWorkflowId } from '../../../workflows/deal/messages';
import { openTestDeal, sendAll } from '../../support/deals';
import { eventually } from '../../support/kit';
import { httpClient } from '../../support/http';
import { startTestStack, type TestStack } from '../../support/stack';
import { startApiWithTemporalUi, TEMPORAL_UI } from '../metrics/ui-api';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = path.join(__dirname, '..', '..', 'artifacts');

let stack: TestStack;
let api: ApiServerHandle;
let profileDir: string;
let browser: BrowserContext | undefined;

beforeAll(async () => {
  stack = await startTestStack();
  api = await startApiWithTemporalUi(stack);
  profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ops-page-chromium-'));
});
afterAll(async () => {
  await browser?.close();
  fs.rmSync(profileDir, { recursive: true, force: true });
  await api?.close();
  await stack?.stop();
});

const DAY_MS = 86_400_000;
const daysAgo = (days: number) => new Date(Date.now() - days * DAY_MS);

/** A deal written straight into the read model and the log (values and past instants the workflow cannot give). */
async function seedDeal(
  ownerId: string,
  deal: {
    company: string;
    createdAt: Date;
    stage: Stage;
    value: [number, string];
    probability?: number;
    proposalProbability?: number;
    expectedCloseDate?: string;
    overdue?: boolean;
    moves: { at: Date; type: string; from: Stage; to: Stage; payload?: Record<string, unknown> }[];
  },
): Promise<string> {
  const id = randomUUID();
  const snapshot = createDeal({ opportunityId: id, ownerId, at: deal.createdAt.toISOString() });
  if (deal.proposalProbability !== undefined) snapshot.context.proposal.probability = deal.proposalProbability;
  await stack.db.insert(opportunities).values({
    id,
    title: 'Seeded deal',
    company: deal.company,
    stage: deal.stage,
    ownerId,
    workflowId: dealWorkflowId(id),
    snapshot,
    version: deal.moves.length,
    valueCents: deal.value[0],
    currency: deal.value[1],
    probability: deal.probability ?? null,
    expectedCloseDate: deal.expectedCloseDate ?? null,
    overdue: deal.overdue ?? false,
    createdAt: deal.createdAt,
  });
  for (const [i, m] of deal.moves.entries()) {
    await appendEvent(stack.db, {
      opportunityId: id,
      version: i + 1,
      position: i + 1,
      idempotencyKey: `ops-page:${id}:${i}`,
      eventType: m.type,
      stageBefore: m.from,
      stageAfter: m.to,
      actorId: ownerId,
      ownerId,
      payload: { type: m.type, actor: { id: ownerId, role: 'rep' }, at: m.at.toISOString(), ...m.payload },
      nextAction: null,
      occurredAt: m.at,
    });
  }
  return id;
}

async function openBrowser() {
  browser ??= await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1100, height: 1000 },
    timezoneId: 'UTC',
  });
  return browser;
}

describe('[M1] [DL1] the ops page in headless Chromium', () => {
  it('[M1] [DL1] shows the seeded funnel as a chart, the five measures and the stuck list with Temporal UI links', async () => {
    // Seeded through the real workflows: one deal qualified, one lead whose next action passes in 2 s.
    // A real person owns them, so the page can show a name instead of an id.
    const rep: Actor = { id: (await stack.user('rep')).id, role: 'rep' };
    const { opportunityId: qualified } = await openTestDeal(stack, { ownerId: rep.id, company: 'Qualified Dental' });
    await sendAll(stack, qualified, eventsUpTo('qualified', rep, { id: 'ops-1', role: 'ops' }));
    const { opportunityId: overdue } = await openTestDeal(stack, {
      ownerId: rep.id,
      company: 'Overdue Plumbing',
      firstActionDueInSeconds: 2,
    });
    const ops = await stack.user('ops');
    await eventually(async () => {
      const page = await httpClient(api.url, ops.token).get(`/v1/ops/stuck?ownerId=${rep.id}`);
      return page.body.items.some((i: { id: string }) => i.id === overdue) ? true : undefined;
    }, 20_000);

    const context = await openBrowser();
    const page = context.pages()[0] ?? (await context.newPage());
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));

    await page.goto(`${api.url}/`);
    await page.fill('#token', ops.token);
    await page.fill('#owner', rep.id);
    await page.click('#load');
    await page.waitForSelector('body[data-loaded="true"]', { timeout: 15_000 });

    const bar = (stage: string) => page.getAttribute(`#funnel-chart svg g[data-stage="${stage}"]`, 'data-count');
    expect(await bar('lead')).toBe('2');
    expect(await bar('qualified')).toBe('1');
    expect(await bar('won')).toBe('0');
    expect(await page.locator('#funnel-chart svg rect.bar').count()).toBe(11);
    expect(await page.textContent('#funnel-chart svg g[data-stage="lead"] text.count')).toBe('2');

    expect(await page.textContent('dd[data-rate="qualificationRate"]')).toBe('50.0% (1 / 2)');
    expect(await page.textContent('dd[data-rate="proposalRate"]')).toBe('0.0% (0 / 1)');
    expect(await page.textContent('dd[data-rate="closeRate"]')).toBe('— (0 / 0)');
    // Nothing was handed off in the period: no time to show, and it says so.
    expect(await page.textContent('dd[data-rate="timeToHandoff"]')).toBe('— (0 handed off)');
    expect(await page.locator('dd[data-rate]').count()).toBe(7);

    const row = page.locator(`#stuck tbody tr[data-id="${overdue}"]`);
    expect(await row.locator('td').first().textContent()).toContain('Overdue Plumbing');
    expect(await row.locator('td.owner').textContent()).toBe('Test rep');
    expect(await page.textContent('#stuck')).not.toContain(rep.id);
    expect(await row.locator('li[data-reason="next_action_overdue"]').textContent()).toBe(
      'Next action "Qualify this lead" is overdue',
    );
    expect(await row.locator('a').getAttribute('href')).toBe(
      `${TEMPORAL_UI}/namespaces/default/workflows/opportunity-${overdue}`,
    );
    expect(await page.locator(`#stuck tbody tr[data-id="${qualified}"]`).count()).toBe(0);

    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'ops-page.png'), fullPage: true });

    // The token is kept in localStorage: a reload loads again without typing it.
    await page.reload();
    await page.waitForSelector('body[data-loaded="true"]', { timeout: 15_000 });
    expect(await page.inputValue('#token')).toBe(ops.token);
    expect(problems).toEqual([]);
  }, 90_000);
  it('[PV1] charts the pipeline of the period and names people, not ids', async () => {
    const rep = await stack.user('rep');
    const nextMonth = new Date(Date.now() + 30 * DAY_MS).toISOString().slice(0, 10);
    // In audit for 50 days with no evidence: blocked on audit_evidence all through the period. Overdue: on the stuck list.
    const audit = await seedDeal(rep.id, {
      company: 'Yarrow Plumbing',
      createdAt: daysAgo(60),
      stage: 'audit',
      value: [200_000, 'EUR'],
      probability: 40,
      expectedCloseDate: nextMonth,
      overdue: true,
      moves: [{ at: daysAgo(50), type: 'START_AUDIT', from: 'discovery', to: 'audit' }],
    });
    await seedDeal(rep.id, {
      company: 'Pine Roofing',
      createdAt: daysAgo(60),
      stage: 'sent',
      value: [50_001, 'USD'],
      proposalProbability: 33,
      moves: [{ at: daysAgo(45), type: 'SEND_PROPOSAL', from: 'approval', to: 'sent' }],
    });
    // Qualified 35 days ago, lost 2 days ago: one qualified stay ends in the period, one budget loss.
    await seedDeal(rep.id, {
      company: 'Larch Electric',
      createdAt: daysAgo(40),
      stage: 'lost',
      value: [70_000, 'EUR'],
      moves: [
        { at: daysAgo(35), type: 'QUALIFY', from: 'lead', to: 'qualified' },
        {
          at: daysAgo(2),
          type: 'MARK_LOST',
          from: 'qualified',
          to: 'lost',
          payload: {
            reason: 'budget',
            detail: 'No budget',
            reactivateAt: new Date(Date.now() + 90 * DAY_MS).toISOString(),
          },
        },
      ],
    });
    const ops = await stack.user('ops');
    const context = await openBrowser();
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    await page.goto(`${api.url}/`);
    await page.fill('#token', ops.token);
    await page.fill('#owner', rep.id);
    await page.click('#load');
    await page.waitForSelector('body[data-loaded="true"]', { timeout: 15_000 });
    await page.waitForSelector('#open-by-stage svg');

    // Open value: one chart per currency, the weighted value (40 %; the proposal's 33 %) inside each bar.
    const stageRow = (currency: string, stage: string) =>
      page.locator(`#open-by-stage svg g[data-key="${stage}"][data-currency="${currency}"]`);
    expect(await stageRow('EUR', 'audit').getAttribute('data-value')).toBe('200000');
    expect(await stageRow('EUR', 'audit').getAttribute('data-weighted')).toBe('80000');
    expect(await stageRow('EUR', 'audit').locator('text.count').textContent()).toBe(
      '€2,000.00 · weighted €800.00 · 1 deal',
    );
    expect(await stageRow('USD', 'sent').getAttribute('data-weighted')).toBe('16500');
    expect(await page.locator('#open-by-stage svg').count()).toBe(2);
    // By owner: the person's name, not the id.
    const ownerRow = page.locator(`#open-by-owner svg g[data-key="${rep.id}"][data-currency="EUR"]`);
    expect(await ownerRow.locator('text.label').textContent()).toBe('Test rep');
    expect(await page.locator('#owners option').getAttribute('label')).toBe('Test rep');

    expect(await page.locator('#forecast svg g[data-currency="EUR"]').getAttribute('data-key')).toBe(
      nextMonth.slice(0, 7),
    );
    expect(await page.textContent('dd[data-outcome="lost"]')).toBe('1 deal · €700.00');
    expect(await page.textContent('dd[data-outcome="won"]')).toBe('0 deals');
    expect(await page.getAttribute('#lost-reasons svg g[data-reason="budget"]', 'data-deals')).toBe('1');
    expect(await page.getAttribute('#time-in-stage svg g[data-stage="qualified"]', 'data-stays')).toBe('1');
    expect(await page.textContent('#time-in-stage svg g[data-stage="qualified"] text.count')).toBe(
      'avg 33 d · p90 33 d · 1 stay',
    );
    expect(await page.getAttribute('#blocked svg g[data-code="audit_evidence"]', 'data-deals')).toBe('1');
    expect(await page.textContent(`#blocked li[data-code="audit_evidence"][data-id="${audit}"]`)).toMatch(
      /^audit_evidence: Yarrow Plumbing \(Test rep\) 30 d(, still blocked)?/,
    );
    expect(await page.locator(`#stuck tbody tr[data-id="${audit}"] td.owner`).textContent()).toBe('Test rep');
    for (const region of ['#open-by-stage', '#open-by-owner', '#blocked', '#stuck'])
      expect(await page.textContent(region)).not.toContain(rep.id);

    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'ops-page-pipeline.png'), fullPage: true });
    expect(problems).toEqual([]);
  }, 90_000);
});
