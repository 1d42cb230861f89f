import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TEST_ANCHOR } from '../helpers/engine-harness';
import { expect, openApp, test } from './fixtures';

const DAY = 86_400_000;
const pad = (n: number) => String(n).padStart(2, '0');
/** A datetime-local value (workstation time) for an instant. */
const localInput = (ms: number) => {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
};

test('an officer retrieves every recording of a search from the UI and watches the job complete', async ({ page, harness }) => {
  const fromMs = TEST_ANCHOR.getTime() - 4 * DAY;
  const queue = harness.sandbox.dataset.queues.find((q) => q.name === 'Rates Desk')!;
  const expected = harness.sandbox.dataset.conversations
    .filter((c) => c.queueId === queue.id && Date.parse(c.startTime) >= Math.floor(fromMs / 1000) * 1000)
    .flatMap((c) => c.recordings);
  expect(expected.length).toBeGreaterThan(0);
  await openApp(page, harness);

  await page.getByTestId('search-queue').fill('Rates Desk');
  await page.getByTestId('search-from').fill(localInput(fromMs));
  await page.getByTestId('search-submit').click();
  await expect(page.getByTestId('result-row').first()).toBeVisible();
  await page.screenshot({ path: test.info().outputPath('results.png') });

  await page.getByTestId('retrieve-all').click();
  await expect(page.getByTestId('case-reference-dialog')).toContainText('Why are you retrieving these recordings?');
  await page.getByTestId('case-reference-input').fill('FCA-2026-0042');
  await page.getByTestId('case-reference-submit').click();

  const card = page.getByTestId('job-card').first();
  await expect(page.getByTestId('jobs-panel')).toBeVisible();
  await expect(card).toHaveAttribute('data-state', /running|done/);
  const bar = card.getByTestId('job-progress');
  await expect(bar).toHaveAttribute('aria-valuenow', '100', { timeout: 60_000 });
  await expect(card).toHaveAttribute('data-state', 'done');
  await expect(card.getByTestId('job-numbers')).toContainText(`${expected.length} of ${expected.length} retrieved`);
  await page.screenshot({ path: test.info().outputPath('jobs.png'), animations: 'disabled' });

  const outDir = (await card.getByTestId('job-out-dir').textContent())!.trim();
  expect(outDir.startsWith(join(harness.root, 'data'))).toBe(true);
  const manifest = JSON.parse(await readFile(join(outDir, 'manifest.json'), 'utf8')) as { files: Array<{ recordingId: string }>; job: { caseReference: string } };
  expect(manifest.job.caseReference).toBe('FCA-2026-0042');
  expect(manifest.files.map((f) => f.recordingId).sort()).toEqual(expected.map((r) => r.id).sort());
});
