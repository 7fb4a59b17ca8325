/**
 * The Temporal UI as ops use it (OW1): a deal workflow shows its company and title in the
 * workflow list, and its page shows stage, owner, next action and why it is stuck, read from the
 * SDK's user metadata, not from an id. Opened in headless Chromium against the test run's own
 * Temporal dev server and its web UI.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { openTestDeal } from '../../support/deals';
import { eventually } from '../../support/kit';
import { startTestStack, type TestStack } from '../../support/stack';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const UI = process.env.TEST_TEMPORAL_UI_URL;

let stack: TestStack;
let browser: BrowserContext | undefined;
let profileDir: string;

beforeAll(async () => {
  stack = await startTestStack();
  profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'temporal-ui-chromium-'));
});
afterAll(async () => {
  await browser?.close();
  fs.rmSync(profileDir, { recursive: true, force: true });
  await stack?.stop();
});

describe('[OW1] the Temporal UI as an ops console', () => {
  it('[OW1] [DL1] shows a deal by company and title in the list, and its stage, owner, next action and why it is stuck on its page', async () => {
    // The run's own dev server serves the UI; a run against an outside Temporal has none to open.
    expect(UI).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const company = `Console Roofing ${Date.now()}`;
    const { opportunityId } = await openTestDeal(stack, { company, firstActionDueInSeconds: 1 });
    const workflowId = `opportunity-${opportunityId}`;
    // The next action passes: the workflow flags it overdue, and says so in its details.
    await eventually(async () => {
      const metadata = await stack.temporal.workflow
        .getHandle(workflowId)
        .query<{ currentDetails: string }>('__temporal_workflow_metadata');
      return metadata.currentDetails.includes('next action overdue') ? true : undefined;
    }, 20_000);

    browser = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
    });
    const page = await browser.newPage();
    await page.goto(`${UI}/namespaces/default/workflows/${workflowId}`);
    await page.getByText('User Metadata').first().click({ timeout: 30_000 });
    // The UI renders each piece of user metadata (Markdown) in a frame of its own.
    const rendered = () =>
      Promise.all(
        page
          .frames()
          .filter((frame) => frame.url().includes('/render'))
          .map((frame) => frame.locator('body').innerText()),
      );
    const texts = await eventually(async () => {
      const all = await rendered();
      return all.some((t) => t.includes('Stuck: next action overdue')) ? all : undefined;
    }, 30_000);
    const shown = texts.join('\n');
    // The summary (the list's Summary column shows the same line), then the current details.
    expect(texts).toContain(`${company} · Lead-flow automation`);
    expect(shown).toMatch(/Stage: lead · Owner: rep-1/);
    expect(shown).toContain('Next action: Qualify this lead, due ');
    expect(shown).toContain('Stuck: next action overdue');
  });
});
