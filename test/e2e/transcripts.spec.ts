import type { AuditEvent } from '../../shared/domain';
import { readEventChain } from '../helpers/read-event-chain';
import { uniqueTradingCall, type Harness } from '../helpers/engine-harness';
import { expect, test } from './fixtures';
import { playUnderCase } from './playback-helpers';

async function auditEvents(harness: Harness): Promise<Array<AuditEvent>> {
  const events: Array<AuditEvent> = [];
  for await (const event of readEventChain(harness.s3, harness.bucket, harness.composed.profile.logId)) events.push(event);
  return events;
}

const clock = (text: string) => text.split(':').reduce((total, part) => total * 60 + Number(part), 0) * 1000;

test('the transcript pane follows playback, a click on a phrase seeks there (audited), and find highlights matches', async ({ page, harness }) => {
  const call = uniqueTradingCall(harness.sandbox);
  await playUnderCase(page, harness, 'CASE-TRANSCRIPT', call);

  const pane = page.getByTestId('transcript-pane');
  const phrases = pane.getByTestId('transcript-phrase');
  await expect(phrases.first()).toBeVisible({ timeout: 30_000 });
  await expect(phrases.first()).toContainText('Agent');
  await expect(pane.getByText('Client').first()).toBeVisible();

  // A click on a later phrase seeks there through the player's audited seek.
  const target = phrases.nth(3);
  const targetMs = clock((await target.locator('.transcript__time').textContent())!.trim());
  const receipt = page.getByTestId('seek-audit-event-id');
  await target.getByRole('button').click();
  await expect(receipt).toBeVisible();
  await expect(target).toHaveAttribute('aria-current', 'true', { timeout: 10_000 });
  const seekId = await receipt.getAttribute('data-audit-event-id');
  // The highlight follows the player's position: seek back to the first phrase, and it is the current one.
  await expect.poll(() => page.getByTestId('playback-time').textContent(), { timeout: 20_000 }).not.toMatch(/^0:00 /);
  const first = phrases.first();
  await first.getByRole('button').click();
  await expect.poll(() => receipt.getAttribute('data-audit-event-id')).not.toBe(seekId);
  await expect(first).toHaveAttribute('aria-current', 'true', { timeout: 10_000 });
  const events = await auditEvents(harness);
  const seek = events.find((e) => e.eventId === seekId)!;
  expect(seek.action).toBe('seek');
  // The phrase's clock shows whole seconds; the seek lands at its exact start.
  expect((seek.details as { positionMs: number }).positionMs - targetMs).toBeGreaterThanOrEqual(0);
  expect((seek.details as { positionMs: number }).positionMs - targetMs).toBeLessThan(1000);
  const read = events.find((e) => e.action === 'transcript')!;
  expect(read).toMatchObject({ conversationId: call.conversation.id, caseReference: 'CASE-TRANSCRIPT' });
  expect(events.indexOf(read)).toBeGreaterThan(events.findIndex((e) => e.action === 'play'));

  await pane.getByTestId('transcript-find').fill('speaking');
  await expect(pane.getByTestId('transcript-find-count')).toHaveText(/^1 of \d+$/);
  await expect(pane.locator('mark').first()).toBeVisible();
  await page.screenshot({ path: 'test-results/screenshots/transcripts-pane.png' });
  await pane.screenshot({ path: 'test-results/screenshots/transcripts-pane-clip.png' });
});
