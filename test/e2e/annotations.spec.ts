import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from '@playwright/test';
import { hostReview } from '../../electron/main/review-host';
import { composeReview } from '../../electron/services/composition/compose-review';
import { verifyPack } from '../../electron/services/packs/pack-verifier';
import { bridgeHost, SHELL_MAX_RANGE_BYTES, SHELL_ORIGIN } from '../../electron/shell/browser-shell';
import { packRecordingSchema } from '../../shared/pack-format';
import { uniqueTradingCall, type Harness } from '../helpers/engine-harness';
import { expect, test } from './fixtures';
import { playUnderCase } from './playback-helpers';

const rendererDir = fileURLToPath(new URL('../../dist/renderer', import.meta.url));
const NOTE = 'Client confirms 5m EUR/USD at 1.0842';

async function openReview(page: Page, harness: Harness, packPath: string) {
  const composed = await composeReview({ profile: harness.profile, env: harness.env, secrets: harness.secrets, packPath, reviewer: 'Dana Inspector (FCA)', mediaUrlBase: `${SHELL_ORIGIN}/media/recording/` });
  const bridge = await bridgeHost(page.context(), (ipc, emit) =>
    hostReview(composed, { ipc, emit, trustedOrigin: SHELL_ORIGIN, rendererDir, validateResponses: true, maxOpenRangeBytes: SHELL_MAX_RANGE_BYTES }),
  );
  await page.goto(bridge.appUrl);
  await page.getByTestId('review-workspace').waitFor();
  return composed;
}

test('an annotation made in the app is audited, goes into the pack with its excerpt, and is shown in review mode', async ({ page, harness, browser }) => {
  const call = uniqueTradingCall(harness.sandbox);
  await playUnderCase(page, harness, 'FCA-2026-0042', call);
  await expect(page.getByTestId('audit-event-id')).toBeVisible();

  // Annotate a range with a note: the 'annotate' event carries the note before it is stored.
  const panel = page.getByTestId('annotations-panel');
  await panel.getByTestId('annotate-selection').click();
  await panel.getByTestId('annotation-from').fill('0:01');
  await panel.getByTestId('annotation-to').fill('0:03.5');
  await panel.getByTestId('annotation-note').fill('');
  await panel.getByTestId('annotation-save').click();
  await expect(panel.getByTestId('annotations-error')).toContainText('the note is empty');
  await panel.getByTestId('annotation-note').fill(NOTE);
  await panel.getByTestId('annotation-save').click();
  const item = panel.getByTestId('annotation');
  await expect(item).toHaveCount(1);
  await expect(item).toContainText('0:01–0:03');
  await expect(item).toContainText(NOTE);
  await page.screenshot({ path: 'test-results/screenshots/annotations-app.png' });
  await panel.screenshot({ path: 'test-results/screenshots/annotations-panel.png' });
  const [annotation] = await harness.composed.annotations.list(call.recording.id);
  expect(annotation).toMatchObject({ fromMs: 1_000, toMs: 3_500, note: NOTE, caseReference: 'FCA-2026-0042' });

  // Into a pack, with the annotated range as an excerpt WAV; the pack verifies (excerpt samples included).
  await page.getByTestId('select-for-pack').check();
  await page.getByTestId('pack-excerpts').check();
  await page.getByTestId('prepare-pack').click();
  const result = page.getByTestId('pack-result');
  await expect(result).toContainText('written and verified', { timeout: 60_000 });
  const packPath = (await result.getAttribute('data-pack-path'))!;
  expect(await verifyPack(packPath)).toMatchObject({ ok: true, recordings: 1 });
  const metadata = packRecordingSchema.parse(JSON.parse(await readFile(join(packPath, `data/metadata/${call.recording.id}.json`), 'utf8')));
  expect(metadata.annotations).toEqual([
    expect.objectContaining({
      annotationId: annotation!.annotationId,
      note: NOTE,
      excerpt: expect.objectContaining({ path: `data/excerpts/${call.recording.id}/${annotation!.annotationId}.wav`, fromMs: 1_000, toMs: 3_500, of: metadata.wav.path }),
    }),
  ]);
  expect(await readFile(join(packPath, 'index.html'), 'utf8')).toContain(NOTE);

  // Review mode (its own window) shows the pack's annotation, read-only.
  const reviewContext = await browser.newContext();
  const reviewPage = await reviewContext.newPage();
  const review = await openReview(reviewPage, harness, packPath);
  try {
    await reviewPage.getByTestId('review-row').first().click();
    const reviewPanel = reviewPage.getByTestId('annotations-panel');
    await expect(reviewPanel.getByTestId('annotation')).toContainText(NOTE);
    await expect(reviewPanel.getByTestId('annotate-selection')).toHaveCount(0);
    await expect(reviewPanel.getByTestId('annotation-delete')).toHaveCount(0);
    await reviewPanel.screenshot({ path: 'test-results/screenshots/annotations-review.png' });
  } finally {
    await review.close();
    await reviewContext.close();
  }

  // One flipped sample in the excerpt: pack verify names it, as the manifests' and the slice's mismatch.
  const excerptFile = join(packPath, metadata.annotations![0]!.excerpt!.path);
  const excerptBytes = await readFile(excerptFile);
  excerptBytes[excerptBytes.length - 1]! ^= 0xff;
  await writeFile(excerptFile, excerptBytes);
  const tampered = await verifyPack(packPath);
  expect(tampered.ok).toBe(false);
  expect(tampered.problems).toContainEqual(expect.objectContaining({ file: metadata.annotations![0]!.excerpt!.path, problem: expect.stringMatching(/^excerpt: its samples are not bytes \d+-\d+ of /) }));
});
