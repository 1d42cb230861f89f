import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { verifyPack } from '../../electron/services/packs/pack-verifier';
import { TEST_ANCHOR } from '../helpers/engine-harness';
import { OFFICER_A_LOGIN } from '../helpers/officer-signin';
import { blotterCsv, sandboxBlotter } from '../sandbox/blotter';
import { expect, openApp, test } from './fixtures';
import { auditEvent, mediaState } from './playback-helpers';

const DAY_MS = 86_400_000;
const CASE = 'FCA-2026-1313';

test("the Trades section: import the sandbox blotter, match, confirm a link (audited), open a gap, reconstruct a trade (the pack verifies), play a call from the timeline", async ({ page, harness }) => {
  const blotter = sandboxBlotter(harness.sandbox.dataset);
  const blotterPath = join(harness.root, 'sandbox-blotter.csv');
  await writeFile(blotterPath, blotterCsv(blotter.trades));
  // The last month in the index (and the org's users with their emails), as the officer's searches put it there.
  await (await harness.composed.genesys.officer()).services.sync.sync(TEST_ANCHOR.getTime() - 31 * DAY_MS, Date.now());
  // A trade agreed on a call that does not carry its id, the one with the smallest recordings (quick to play and pack).
  const recordingsOf = (conversationId: string) => harness.sandbox.dataset.recordings.filter((r) => r.conversationId === conversationId);
  const bytesOf = (conversationId: string) => recordingsOf(conversationId).reduce((sum, r) => sum + r.sizeBytes, 0);
  const [tradeId, [agreedCall]] = [...blotter.planted.untagged]
    .filter(([, [call]]) => recordingsOf(call!).length > 0 && recordingsOf(call!).every((r) => r.fileState === 'AVAILABLE'))
    .sort(([, [a]], [, [b]]) => bytesOf(a!) - bytesOf(b!))[0]!;
  // No search lists the calls' recordings first: the timeline asks Genesys for those of its calls.

  await openApp(page, harness);
  await page.getByTestId('nav-trades').click();
  await expect(page.getByTestId('trades-empty')).toBeVisible();

  // Import: the file's text to main, the report back.
  await page.getByTestId('trades-import-file').setInputFiles(blotterPath);
  await expect(page.getByTestId('trades-import-counts')).toHaveText(`${blotter.trades.length} inserted, 0 updated, 0 unchanged, 0 rejected`);
  await expect(page.getByTestId('trade-row')).toHaveCount(blotter.trades.length);

  // Matching, with its counts.
  await page.getByTestId('trades-match').click();
  const voiceTrades = blotter.trades.length - blotter.planted.electronic.length;
  await expect(page.getByTestId('trades-match-result')).toContainText(`${voiceTrades} voice trade(s) of ${blotter.trades.length}:`);
  await expect(page.getByTestId('trades-match-result')).toContainText(`${blotter.planted.gaps.length} with no call`);
  await page.getByTestId('trades-view').screenshot({ path: 'test-results/screenshots/trades-blotter.png' });

  // Confirm the agreed call: the case is asked first, the decision is audited as officer A before it is stored.
  await page.locator(`[data-testid="trade-row"][data-trade-id="${tradeId}"]`).getByTestId('trade-open').click();
  const detail = page.getByTestId('trade-detail');
  await expect(detail).toHaveAttribute('data-trade-id', tradeId);
  const agreed = detail.locator(`[data-testid="trade-candidate"][data-conversation-id="${agreedCall}"]`);
  await agreed.getByTestId('trade-confirm').click();
  await page.getByTestId('case-reference-input').fill(CASE);
  await page.getByTestId('case-reference-submit').click();
  await expect(detail).toHaveAttribute('data-status', 'linked');
  await expect(agreed).toHaveAttribute('data-linked', 'true');
  const decision = detail.getByTestId('trade-decision');
  await expect(decision).toHaveAttribute('data-decision', 'confirmed');
  const linkEvent = await auditEvent(harness, (await decision.getAttribute('data-audit-event-id'))!);
  expect(linkEvent).toMatchObject({ action: 'link', caseReference: CASE, operator: { kind: 'officer', email: OFFICER_A_LOGIN.username } });
  expect(JSON.stringify(linkEvent.details)).toContain(tradeId);
  await detail.getByTestId('trade-candidates').scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'test-results/screenshots/trades-detail.png' });

  // The timeline: calls and the execution on one axis; the agreed call plays in place, audited first.
  await detail.getByTestId('trade-timeline-show').click();
  const timeline = detail.getByTestId('trade-timeline');
  await expect(timeline.getByTestId('timeline-execution')).toBeVisible();
  const call = timeline.locator(`[data-testid="timeline-call"][data-conversation-id="${agreedCall}"]`);
  await expect(call).toHaveAttribute('data-linked', 'true');
  await call.getByTestId('timeline-play').click();
  const player = call.getByTestId('timeline-player');
  const playEventId = await player.getByTestId('audit-event-id').getAttribute('data-audit-event-id');
  const audio = player.getByTestId('playback-audio');
  await expect.poll(async () => (await mediaState(audio)).currentTime, { timeout: 20_000 }).toBeGreaterThan(1);
  expect(await auditEvent(harness, playEventId!)).toMatchObject({ action: 'play', caseReference: CASE, operator: { kind: 'officer', email: OFFICER_A_LOGIN.username } });
  await timeline.screenshot({ path: 'test-results/screenshots/trades-timeline.png' });

  // Reconstruct: an audited export; the pack shown as the pack bar shows one, and it verifies.
  await detail.getByTestId('trade-reconstruct').click();
  const receipt = detail.getByTestId('pack-result');
  await expect(receipt).toBeVisible({ timeout: 60_000 });
  const packPath = (await receipt.getAttribute('data-pack-path'))!;
  expect(await verifyPack(packPath)).toMatchObject({ ok: true, caseReference: CASE });

  // A planted gap: listed with its reason, and opened.
  const gapId = blotter.planted.gaps[0]!;
  await page.getByTestId('trades-tab-gaps').click();
  await expect(page.getByTestId('trade-gap')).toHaveCount(blotter.planted.gaps.length);
  await expect(page.getByTestId('call-gap')).toHaveCount(blotter.planted.callsWithoutTrade.length);
  const gap = page.locator(`[data-testid="trade-gap"][data-trade-id="${gapId}"]`);
  await gap.getByTestId('trade-gap-open').click();
  await expect(page.getByTestId('trade-detail')).toHaveAttribute('data-trade-id', gapId);
  await expect(page.getByTestId('trade-detail')).toHaveAttribute('data-status', 'none');
  await expect(page.getByTestId('trade-no-candidates')).toBeVisible();
  await page.getByTestId('trades-gaps').screenshot({ path: 'test-results/screenshots/trades-gaps.png' });
});
