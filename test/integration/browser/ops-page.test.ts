import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { chromium, type BrowserContext } from 'playwright-core';
import type { ApiServerHandle } from '../../../infra/api-server';
import { eventsUpTo, type Actor } from '../../../fixtures/deal-events';
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

describe('[M1] [DL1] the ops page in headless Chromium', () => {
  it('[M1] [DL1] shows the seeded funnel as a chart, the five measures and the stuck list with Temporal UI links', async () => {
    // Seeded through the real workflows: one deal qualified, one lead whose next action passes in 2 s.
    const rep: Actor = { id: `rep-${randomUUID()}`, role: 'rep' };
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

    browser = await chromium.launchPersistentContext(profileDir, {
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
    const page = browser.pages()[0] ?? (await browser.newPage());
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
});
