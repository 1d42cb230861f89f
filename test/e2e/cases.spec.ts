import { fileURLToPath } from 'node:url';
import type { Page } from '@playwright/test';
import type { LocalWorm } from '../../electron/services/worm/local-worm';
import { bridgeContext, SHELL_ORIGIN, type ShellBridge } from '../../electron/shell/browser-shell';
import type { AuditEvent } from '../../shared/domain';
import { startHarness, uniqueTradingCall, type Harness } from '../helpers/engine-harness';
import { readEventChain } from '../helpers/read-event-chain';
import { startTestWorm } from '../helpers/worm';
import { expectNoAxeViolations } from './axe';
import { expect, test } from './fixtures';

const rendererDir = fileURLToPath(new URL('../../dist/renderer', import.meta.url));

// One WORM store of its own (the last test stops it), one engine and one window for the whole file.
test.describe.configure({ mode: 'serial' });

let worm: LocalWorm;
let harness: Harness;
let bridge: ShellBridge;
let page: Page;

test.beforeAll(async ({ browser }) => {
  worm = await startTestWorm();
  harness = await startHarness({ worm: worm.connection, mediaUrlBase: `${SHELL_ORIGIN}/media/recording/` });
  page = await browser.newPage();
  bridge = await bridgeContext(page.context(), harness.composed, { rendererDir });
  await page.goto(bridge.appUrl);
  await page.getByTestId('app-header').waitFor();
});

test.afterAll(async () => {
  bridge?.host.dispose();
  await page?.close();
  await harness?.close();
  await worm?.stop().catch(() => undefined);
});

async function switchCase(reference: string) {
  await page.getByTestId('case-switch').click();
  await page.getByTestId('case-reference-input').fill(reference);
  await page.getByTestId('case-reference-submit').click();
  await expect(page.getByTestId('case-reference-dialog')).toBeHidden();
  await expect(page.getByTestId('header-case-reference')).toHaveText(reference);
}

async function auditEvents(): Promise<Array<AuditEvent>> {
  const events: Array<AuditEvent> = [];
  for await (const event of readEventChain(harness.s3, harness.bucket, harness.composed.profile.logId)) events.push(event);
  return events;
}

test('the case is switched mid-session from the header: each access lands under the case current at that moment, and the case view lists them', async () => {
  const call = uniqueTradingCall(harness.sandbox);
  // Both reachable, from the first probe at start.
  await expect(page.getByTestId('header-health')).toHaveAttribute('data-state', 'reachable');
  await expect(page.getByTestId('health-checked')).toContainText('checked');

  await switchCase('FCA-2026-0101');
  await page.getByTestId('search-trading-id').fill(call.tradingId);
  await page.getByTestId('search-submit').click();
  await page.getByTestId('result-row').click();
  await page.getByTestId('recording-view').getByTestId('play-button').click();
  const receipt = page.getByTestId('audit-event-id');
  await expect(receipt).toBeVisible();
  const firstPlay = (await receipt.getAttribute('data-audit-event-id'))!;

  // Mid-play: the play of the old case ends, and the next one is recorded under the new case.
  await switchCase('FCA-2026-0202');
  await expect(page.getByTestId('playback-ended')).toContainText('the case reference changed');
  await page.getByTestId('recording-view').getByTestId('play-button').click();
  await expect(receipt).not.toHaveAttribute('data-audit-event-id', firstPlay);
  const secondPlay = (await receipt.getAttribute('data-audit-event-id'))!;

  const events = await auditEvents();
  const byId = (id: string) => events.find((e) => e.eventId === id);
  expect(byId(firstPlay)).toMatchObject({ action: 'play', recordingId: call.recording.id, caseReference: 'FCA-2026-0101' });
  expect(byId(secondPlay)).toMatchObject({ action: 'play', recordingId: call.recording.id, caseReference: 'FCA-2026-0202' });
  expect(events.find((e) => e.action === 'search' && e.tradingId === call.tradingId)?.caseReference).toBe('FCA-2026-0101');

  // The case view: the current case first, the earlier one of this sitting a click away.
  await page.getByTestId('nav-cases').click();
  await expect(page.getByTestId('case-view-reference')).toHaveText('FCA-2026-0202');
  const group = page.locator(`[data-testid="case-group"][data-recording-id="${call.recording.id}"]`);
  // The play, and the transcript pane's audited read of the call's transcript, both under the new case.
  const entryActions = (of: typeof group) => of.getByTestId('case-entry').evaluateAll((all) => all.map((e) => e.getAttribute('data-action')).sort());
  await expect.poll(() => entryActions(group)).toEqual(['play', 'transcript']);

  await page.getByTestId('case-view-recent').filter({ hasText: 'FCA-2026-0101' }).click();
  await expect(page.getByTestId('case-view-reference')).toHaveText('FCA-2026-0101');
  const groups = page.getByTestId('case-group');
  await expect(groups).toHaveCount(2);
  await expect(groups.nth(0)).toHaveAttribute('data-recording-id', call.recording.id);
  expect(await entryActions(groups.nth(0))).toContain('play');
  await expect(groups.nth(0)).toContainText(call.tradingId);
  await expect(groups.nth(1).getByTestId('case-entry').first()).toHaveAttribute('data-action', 'search');
  await expect(groups.nth(1)).toContainText('Olivia Adler');
  await expectNoAxeViolations(page, 'case view');
  await page.screenshot({ path: 'test-results/screenshots/cases-view.png' });
  await page.getByTestId('case-view').screenshot({ path: 'test-results/screenshots/cases-view-panel.png' });
});

test('with the WORM store stopped, the header turns red at once and the refusal says in words what happened, what was not done and what to do', async () => {
  await page.getByTestId('nav-recordings').click();
  await worm.stop();
  // A new play needs a new record: switching the case ends the current one.
  await switchCase('FCA-2026-0303');
  await page.getByTestId('recording-view').getByTestId('play-button').click();

  const refusal = page.getByTestId('playback-refused');
  await expect(refusal).toBeVisible();
  await expect(refusal.getByTestId('error-words')).toHaveText(
    'The WORM audit log could not be reached, so nothing was played (Custody plays nothing it cannot record first). ' +
      'Check the network or ask IT to check the audit store; then press Play again.',
  );
  const detail = refusal.getByTestId('error-detail');
  await expect(detail).not.toHaveAttribute('open');
  await detail.locator('summary').click();
  await expect(detail).toContainText('AUDIT_UNAVAILABLE');

  await expect(page.getByTestId('header-health')).toHaveAttribute('data-state', 'unreachable');
  await expect(page.getByTestId('health-worm')).toHaveText('WORM store unreachable');
  await expect(page.getByTestId('health-genesys')).toHaveAttribute('data-state', 'reachable');
  await expectNoAxeViolations(page, 'header with the WORM store unreachable, playback refused in words');
  await page.screenshot({ path: 'test-results/screenshots/cases-unreachable.png' });
  await page.locator('.app-header').screenshot({ path: 'test-results/screenshots/cases-unreachable-header.png' });
  await refusal.screenshot({ path: 'test-results/screenshots/cases-refusal.png' });

  // The audit trail does not call the log verified while its store is down.
  await page.getByTestId('nav-audit').click();
  const verdict = page.getByTestId('audit-integrity');
  await expect(verdict).toHaveAttribute('data-store', 'unreachable');
  await expect(verdict).not.toContainText('Verified up to');
  await expect(verdict).toContainText('The WORM store is unreachable');
});
