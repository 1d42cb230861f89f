import { GetObjectLegalHoldCommand, ListObjectVersionsCommand } from '@aws-sdk/client-s3';
import type { Harness } from '../helpers/engine-harness';
import { OFFICER_B_LOGIN } from '../helpers/officer-signin';
import { startWorkstation } from '../helpers/workstation';
import type { SeedConversation } from '../sandbox/server';
import { expect, openApp, test } from './fixtures';

/** A trade discussed on two recent calls, with small available recordings. */
function twoCallTrade(harness: Harness): { tradingId: string; conversations: Array<SeedConversation> } {
  const byTrade = new Map<string, Array<SeedConversation>>();
  for (const c of harness.sandbox.dataset.conversations) if (c.tradingId) byTrade.set(c.tradingId, [...(byTrade.get(c.tradingId) ?? []), c]);
  const DAY = 86_400_000;
  const [tradingId, conversations] = [...byTrade].find(
    ([, calls]) =>
      calls.length === 2 &&
      calls.flatMap((c) => c.recordings).reduce((sum, r) => sum + r.sizeBytes, 0) < 16_000_000 &&
      calls.every((c) => c.recordings.length > 0 && c.recordings.every((r) => r.fileState === 'AVAILABLE') && Date.parse(c.startTime) > Date.now() - 25 * DAY && Date.parse(c.startTime) < Date.now() - 2 * DAY),
  )!;
  return { tradingId, conversations };
}

async function legalHolds(harness: Harness, tradingId: string): Promise<Array<string | undefined>> {
  const listing = await harness.s3.send(new ListObjectVersionsCommand({ Bucket: harness.archiveBucket, Prefix: `archive/v1/trades/${tradingId}/` }));
  const out = [];
  for (const v of listing.Versions ?? []) {
    out.push((await harness.s3.send(new GetObjectLegalHoldCommand({ Bucket: harness.archiveBucket, Key: v.Key!, VersionId: v.VersionId! }))).LegalHold?.Status);
  }
  return out;
}

test('an officer places a legal hold on an archived trade; its release needs a second officer', async ({ page, harness }) => {
  const trade = twoCallTrade(harness);
  for (const c of trade.conversations) {
    const start = Date.parse(c.startTime);
    await (await harness.composed.archive.job()).run({ sinceMs: start, untilMs: start + 1 });
  }
  const objectVersions = 2 * trade.conversations.flatMap((c) => c.recordings).length;
  await openApp(page, harness);
  await page.getByTestId('nav-holds').click();
  await expect(page.getByTestId('holds-empty')).toBeVisible();

  await page.getByTestId('hold-trading-id').fill(trade.tradingId);
  await page.getByTestId('hold-case').fill('FCA-2026-0142');
  await page.getByTestId('hold-reason').fill('FCA information request 2026/142: preserve all calls of this trade');
  await page.getByTestId('hold-place').click();

  const row = page.getByTestId('hold-row');
  await expect(row).toHaveCount(1);
  await expect(row.getByTestId('hold-state')).toHaveText('active');
  await expect(row.getByTestId('hold-objects')).toHaveText(`${objectVersions} object versions under S3 legal hold`);
  await expect(row.getByTestId('hold-conversations')).toHaveText('2 of 2 calls deletion-protected');
  expect(await legalHolds(harness, trade.tradingId)).toEqual(Array(objectVersions).fill('ON'));
  await page.screenshot({ path: test.info().outputPath('holds.png') });

  // Four-eyes: the officer who asks for the release cannot approve it.
  await row.getByTestId('hold-request-release').click();
  await row.getByTestId('hold-release-reason').fill('FCA closed the request on 2026-11-20');
  await row.getByTestId('hold-release-submit').click();
  await expect(row.getByTestId('hold-state')).toHaveText('release requested');
  await expect(row.getByTestId('hold-approve')).toBeDisabled();
  await expect(row.getByTestId('hold-four-eyes-note')).toHaveText('You asked for this release: another officer must approve it.');
  expect(await legalHolds(harness, trade.tradingId)).toEqual(Array(objectVersions).fill('ON'));
  await page.screenshot({ path: test.info().outputPath('holds-four-eyes.png') });

  // A second signed-in officer approves on her own workstation; the release then runs where the hold is recorded.
  const holdId = (await row.getAttribute('data-hold-id'))!;
  const deskB = await startWorkstation(harness, OFFICER_B_LOGIN);
  try {
    await deskB.composed.approvals.approve((await harness.composed.archive.holds.get(holdId)).releaseRequest!.requestId!);
  } finally {
    await deskB.close();
  }
  await harness.composed.archive.holds.completeRelease(holdId);
  await page.getByTestId('nav-recordings').click();
  await page.getByTestId('nav-holds').click();
  await expect(page.getByTestId('holds-empty')).toBeVisible();
  await page.getByTestId('holds-show-released').check();
  await expect(page.getByTestId('hold-released')).toContainText('approved by Oscar Brandt');
  expect(await legalHolds(harness, trade.tradingId)).toEqual(Array(objectVersions).fill('OFF'));
  await page.screenshot({ path: test.info().outputPath('holds-released.png') });
});

test('a hold on an unknown trade is refused with a clear message', async ({ page, harness }) => {
  await openApp(page, harness);
  await page.getByTestId('nav-holds').click();
  await page.getByTestId('hold-trading-id').fill('T-00000000-0000');
  await page.getByTestId('hold-case').fill('FCA-2026-0142');
  await page.getByTestId('hold-reason').fill('checking a trade id from a letter');
  await page.getByTestId('hold-place').click();
  const error = page.getByTestId('holds-error');
  await expect(error).toContainText('Unknown trade "T-00000000-0000"');
  await expect(page.getByTestId('hold-row')).toHaveCount(0);
});
