import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';
import type { AuditEvent } from '../../shared/domain';
import type { Harness } from '../helpers/engine-harness';
import { auditEvents, mediaState, playUnderCase, seekReceipt } from './playback-helpers';

const player = (page: Page) => page.getByTestId('player');
const audio = (page: Page) => page.getByTestId('playback-audio');

/** Nothing focused: keys go to the recording view as a whole, not to a button or a field. */
const blur = (page: Page) => page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());

/** `2026-12-06 08:03:12 UTC` (the playhead's UTC clock) as epoch ms. */
const utcInstant = (text: string) => Date.parse(`${/(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC/.exec(text)![1]!.replace(' ', 'T')}Z`);
const utcClock = (ms: number) => new Date(ms).toISOString().slice(11, 19);

type MediaState = Awaited<ReturnType<typeof mediaState>>;
type SeekCheck = (positionS: number, media: MediaState, event: AuditEvent) => void;

/**
 * Seeks whose records are checked against the WORM log in one read per step (reading the chain per
 * seek would double this walk): each with the media element's state when its receipt appeared.
 */
function seekLedger(page: Page, harness: Harness) {
  const pending: Array<{ what: string; eventId: string; media: MediaState; check: SeekCheck }> = [];
  return {
    async seek(what: string, act: () => Promise<void>, check: SeekCheck): Promise<void> {
      const { eventId, media } = await seekReceipt(page, act);
      pending.push({ what, eventId, media, check });
    },
    async verify(playAuditEventId: string): Promise<void> {
      const events = new Map((await auditEvents(harness)).map((event) => [event.eventId, event]));
      for (const { what, eventId, media, check } of pending.splice(0)) {
        const event = events.get(eventId);
        expect(event, what).toMatchObject({ action: 'seek', details: { playAuditEventId: playAuditEventId } });
        check((event!.details as { positionMs: number }).positionMs / 1000, media, event!);
      }
    },
  };
}

/** Paused: recorded exactly where the media element is, and where it was meant to go. */
const landedAt =
  (expectedS: number | null, what: string): SeekCheck =>
  (positionS, media) => {
    if (expectedS !== null) expect(positionS, what).toBeCloseTo(expectedS, 2);
    expect(media.currentTime, what).toBeCloseTo(positionS, 2);
  };

// One harness for the whole walk: every control and shortcut, each seek checked against the WORM log
// and against where the media element really was when its record was written.
test('every control and shortcut of the player: speed, volume, channel mix, skips, stop, jump, loop, zoom; each seek audited where playback landed', async ({
  page,
  harness,
}) => {
  await page.setViewportSize({ width: 1440, height: 1000 });
  const playEventId = await playUnderCase(page, harness, 'CASE-PLAYER');
  await expect.poll(async () => (await mediaState(audio(page))).currentTime, { timeout: 20_000 }).toBeGreaterThan(0.5);
  const { duration } = await mediaState(audio(page));
  expect(duration).toBeGreaterThan(20);
  const ledger = seekLedger(page, harness);

  await test.step('speed with pitch preserved, volume, per-channel mute and solo, M', async () => {
    await page.getByTestId('speed-select').selectOption('2');
    await expect(player(page)).toHaveAttribute('data-rate', '2');
    expect(await audio(page).evaluate((a) => [(a as HTMLAudioElement).playbackRate, (a as HTMLAudioElement).preservesPitch])).toEqual([2, true]);
    const before = (await mediaState(audio(page))).currentTime;
    await page.waitForTimeout(1000);
    // About two seconds of audio in one second.
    expect((await mediaState(audio(page))).currentTime - before).toBeGreaterThan(1.5);

    await page.getByTestId('volume').fill('40');
    await expect(player(page)).toHaveAttribute('data-volume', '0.4');
    await expect(player(page)).toHaveAttribute('data-gains', '1,1');
    await page.getByTestId('channel-mute-0').click();
    await expect(player(page)).toHaveAttribute('data-gains', '0,1');
    await page.getByTestId('channel-solo-0').click();
    // Soloed but muted: the agent stays silent, and the client is not soloed, so silent too.
    await expect(player(page)).toHaveAttribute('data-gains', '0,0');
    await page.getByTestId('channel-mute-0').click();
    await expect(player(page)).toHaveAttribute('data-gains', '1,0');
    await page.getByTestId('channel-solo-0').click();
    await page.getByTestId('channel-solo-1').click();
    await expect(player(page)).toHaveAttribute('data-gains', '0,1');
    await page.getByTestId('channel-volume-1').fill('50');
    await expect(player(page)).toHaveAttribute('data-gains', '0,0.5');
    await page.getByTestId('channel-solo-1').click();
    await expect(player(page)).toHaveAttribute('data-gains', '1,0.5');
    await blur(page);
    await page.keyboard.press('m');
    await expect(player(page)).toHaveAttribute('data-muted', 'true');
    await expect(page.getByTestId('mute-button')).toHaveAttribute('aria-pressed', 'true');
    await page.keyboard.press('M');
    await expect(player(page)).toHaveAttribute('data-muted', 'false');
    await page.getByTestId('speed-select').selectOption('1');
    await page.getByTestId('player').screenshot({ path: 'test-results/screenshots/player-mix.png' });
  });

  await test.step('Space, K, skips by button and by key, Home, End: recorded where the media landed', async () => {
    await blur(page);
    await page.keyboard.press('k');
    await expect.poll(async () => (await mediaState(audio(page))).paused).toBe(true);
    await page.keyboard.press('Space');
    await expect.poll(async () => (await mediaState(audio(page))).paused).toBe(false);
    await page.keyboard.press('k');
    await expect.poll(async () => (await mediaState(audio(page))).paused).toBe(true);

    await ledger.seek('Home', () => page.keyboard.press('Home'), landedAt(0, 'Home'));
    const moves: Array<[string, () => Promise<void>, number]> = [
      ['+15 s button', () => page.getByTestId('skip-forward-15').click(), 15],
      ['+5 s button', () => page.getByTestId('skip-forward-5').click(), 20],
      ['−5 s button', () => page.getByTestId('skip-back-5').click(), 15],
      ['−15 s button', () => page.getByTestId('skip-back-15').click(), 0],
      ['L', () => page.keyboard.press('l'), 5],
      ['Shift+→', () => page.keyboard.press('Shift+ArrowRight'), 20],
      ['J', () => page.keyboard.press('j'), 15],
      ['←', () => page.keyboard.press('ArrowLeft'), 10],
      ['→', () => page.keyboard.press('ArrowRight'), 15],
      ['Shift+←', () => page.keyboard.press('Shift+ArrowLeft'), 0],
    ];
    for (const [what, act, expectedS] of moves) await ledger.seek(what, act, landedAt(expectedS, what));
    await ledger.seek('End', () => page.keyboard.press('End'), (positionS, media) => {
      expect(positionS).toBeCloseTo(media.duration, 2);
      expect(media.currentTime).toBeCloseTo(positionS, 2);
    });

    // Playing: a skip pauses, lands, is recorded there, and only then plays on.
    await ledger.seek('Home', () => page.keyboard.press('Home'), landedAt(0, 'Home'));
    await blur(page);
    await page.keyboard.press('Space');
    await expect.poll(async () => (await mediaState(audio(page))).currentTime).toBeGreaterThan(1);
    await ledger.seek('L while playing', () => page.keyboard.press('l'), (positionS, media) => {
      expect(positionS).toBeGreaterThan(6);
      expect(media.currentTime).toBeGreaterThanOrEqual(positionS - 0.01);
      expect(media.currentTime).toBeLessThan(positionS + 2);
    });
    await expect.poll(async () => (await mediaState(audio(page))).paused).toBe(false);

    // Stop: paused, back at 0:00, and that too is a recorded seek.
    await ledger.seek('Stop', () => page.getByTestId('stop-button').click(), landedAt(0, 'Stop'));
    await page.waitForTimeout(300);
    expect(await mediaState(audio(page))).toMatchObject({ paused: true, currentTime: 0 });
    await expect(page.getByTestId('playback-time')).toContainText('0:00 /');
    await ledger.verify(playEventId);
  });

  await test.step('jump to an offset and to a wall-clock time; a time outside the call is an inline error', async () => {
    const wallClock = (await page.getByTestId('playhead-wallclock').textContent())!;
    const startUtc = utcInstant(wallClock);
    const jumpTo = async (text: string) => {
      await page.getByTestId('jump-input').fill(text);
      await page.getByTestId('jump-input').press('Enter');
    };
    await ledger.seek('jump 0:12', () => jumpTo('0:12'), landedAt(12, 'jump 0:12'));
    await ledger.seek('jump 7s', () => jumpTo('7s'), landedAt(7, 'jump 7s'));
    // The clocks show whole seconds; the call may start within one.
    await ledger.seek('jump UTC', () => jumpTo(`${utcClock(startUtc + 18_000)} UTC`), (positionS, media) => {
      expect(positionS).toBeGreaterThan(17);
      expect(positionS).toBeLessThanOrEqual(18);
      expect(media.currentTime).toBeCloseTo(positionS, 2);
    });
    await expect(page.getByTestId('jump-status')).toContainText(`${utcClock(startUtc + 18_000)} UTC (offset 0:1`);
    // The playhead now shows that instant.
    expect(utcInstant((await page.getByTestId('playhead-wallclock').textContent())!)).toBe(startUtc + 18_000);
    await ledger.verify(playEventId);

    const eventsBefore = (await auditEvents(harness)).length;
    const positionBefore = (await mediaState(audio(page))).currentTime;
    await jumpTo(`${utcClock(startUtc - 3_600_000)} UTC`);
    await expect(page.getByTestId('jump-error')).toContainText('is outside this call');
    await expect(page.getByTestId('jump-input')).toHaveAttribute('aria-invalid', 'true');
    await jumpTo('1:99');
    await expect(page.getByTestId('jump-error')).toContainText('minutes and seconds go up to 59');
    await page.waitForTimeout(400);
    expect((await auditEvents(harness)).length).toBe(eventsBefore);
    expect((await mediaState(audio(page))).currentTime).toBe(positionBefore);
    await page.getByTestId('jump-input').fill('');
  });

  await test.step('A–B loop: [ and ] at the playhead; each jump back to A is a recorded seek', async () => {
    await page.getByTestId('jump-input').fill('0:03');
    await ledger.seek('jump 0:03', () => page.getByTestId('jump-input').press('Enter'), landedAt(3, 'jump 0:03'));
    await blur(page);
    await page.keyboard.press('[');
    await ledger.seek('L', () => page.keyboard.press('l'), landedAt(8, 'L'));
    await page.keyboard.press(']');
    await expect(player(page)).toHaveAttribute('data-loop-from-ms', '3000');
    await expect(player(page)).toHaveAttribute('data-loop-to-ms', '8000');
    await expect(page.getByTestId('loop-range')).toHaveText('0:03–0:08');
    // Turned on at B: playback goes to A first.
    await ledger.seek('Loop on', () => page.getByTestId('loop-toggle').click(), landedAt(3, 'Loop on'));
    await expect(player(page)).toHaveAttribute('data-looping', 'true');
    await page.getByTestId('speed-select').selectOption('2');
    await blur(page);
    await page.keyboard.press('Space');
    for (const round of [1, 2]) {
      // Nothing is done here: playback reaches B by itself and the loop seeks back to A. Read as the
      // receipt appeared, the media is back inside the range, never past B.
      await ledger.seek(`loop round ${round}`, async () => undefined, (positionS, media) => {
        expect(positionS).toBe(3);
        expect(media.currentTime).toBeGreaterThanOrEqual(3);
        expect(media.currentTime).toBeLessThan(8);
      });
    }
    await page.getByTestId('player').screenshot({ path: 'test-results/screenshots/player-loop.png' });
    await page.getByTestId('loop-toggle').click();
    await expect(player(page)).toHaveAttribute('data-looping', 'false');
    await page.getByTestId('speed-select').selectOption('1');
    await blur(page);
    await page.keyboard.press('k');
    await ledger.verify(playEventId);
  });

  await test.step('zoom: + and −, the zoomed view follows the playhead, and a click in it seeks within the window', async () => {
    const detail = page.getByTestId('waveform-detail');
    await expect(detail).toHaveAttribute('data-from-ms', '0');
    const windowOf = async () => [Number(await detail.getAttribute('data-from-ms')), Number(await detail.getAttribute('data-to-ms'))] as const;
    const [, wholeTo] = await windowOf();
    await page.keyboard.press('+');
    await page.keyboard.press('+');
    await expect(player(page)).toHaveAttribute('data-zoom', '2');
    let [fromMs, toMs] = await windowOf();
    expect(toMs - fromMs).toBeCloseTo(wholeTo / 4, -1);
    const position = (await mediaState(audio(page))).currentTime * 1000;
    expect(position).toBeGreaterThanOrEqual(fromMs);
    expect(position).toBeLessThanOrEqual(toMs);

    // Far past the window: the view moves along with the playhead.
    await ledger.seek('End', () => page.keyboard.press('End'), landedAt(null, 'End'));
    [fromMs, toMs] = await windowOf();
    expect(toMs).toBeCloseTo(wholeTo, -1);
    const box = (await detail.locator('.waveform-detail__surface').boundingBox())!;
    await ledger.seek('click in the zoomed view', () => page.mouse.click(box.x + box.width * 0.5, box.y + box.height / 2), (positionS, media) => {
      expect(positionS * 1000).toBeCloseTo(fromMs + (toMs - fromMs) * 0.5, -2);
      expect(media.currentTime).toBeCloseTo(positionS, 2);
    });
    await page.getByTestId('player').screenshot({ path: 'test-results/screenshots/player-zoom.png' });
    await page.keyboard.press('-');
    await expect(player(page)).toHaveAttribute('data-zoom', '1');
    await page.getByTestId('zoom-out').click();
    await expect(detail).toHaveAttribute('data-from-ms', '0');
    await ledger.verify(playEventId);
  });

  await test.step('the shortcuts are listed in the view', async () => {
    await page.getByTestId('shortcuts').locator('summary').click();
    await expect(page.getByTestId('shortcuts')).toContainText('Shift + ← / →');
    await page.screenshot({ path: 'test-results/screenshots/player-shortcuts.png' });
  });
});
