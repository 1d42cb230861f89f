import type { Locator, Page } from '@playwright/test';
import type { AuditEvent } from '../../shared/domain';
import { uniqueTradingCall, type Harness } from '../helpers/engine-harness';
import { readEventChain } from '../helpers/read-event-chain';
import { expect, openApp } from './fixtures';

/** Plays and seeks in the browser shell, and reads what the WORM audit log says about them. */

export async function auditEvents(harness: Harness): Promise<Array<AuditEvent>> {
  const events: Array<AuditEvent> = [];
  for await (const event of readEventChain(harness.s3, harness.bucket, harness.composed.profile.logId)) events.push(event);
  return events;
}

export async function auditEvent(harness: Harness, eventId: string): Promise<AuditEvent> {
  const event = (await auditEvents(harness)).find((e) => e.eventId === eventId);
  if (!event) throw new Error(`audit event ${eventId} is not in the WORM log`);
  return event;
}

/** Opens a trading call's recording (a fresh one unless given) and plays it under `caseReference`; returns the play's audit event id. */
export async function playUnderCase(page: Page, harness: Harness, caseReference: string, call = uniqueTradingCall(harness.sandbox)): Promise<string> {
  await openApp(page, harness);
  await page.getByTestId('search-trading-id').fill(call.tradingId);
  await page.getByTestId('search-submit').click();
  await page.getByTestId('result-row').click();
  await page.getByTestId('recording-view').getByTestId('play-button').click();
  await page.getByTestId('case-reference-input').fill(caseReference);
  await page.getByTestId('case-reference-submit').click();
  const audit = page.getByTestId('audit-event-id');
  await expect(audit).toBeVisible();
  return (await audit.getAttribute('data-audit-event-id'))!;
}

export const mediaState = (audio: Locator) =>
  audio.evaluate((a) => {
    const media = a as HTMLAudioElement;
    return { currentTime: media.currentTime, duration: media.duration, paused: media.paused, ended: media.ended, seeking: media.seeking };
  });

type MediaState = Awaited<ReturnType<typeof mediaState>>;

/**
 * Performs `act`, waits for the seek receipt it causes, and returns its audit event id with the media
 * element's state read in the page the moment the receipt appeared (no round trip in between, so a
 * busy machine does not blur where playback was when the seek was recorded).
 */
export async function seekReceipt(page: Page, act: () => Promise<void>): Promise<{ eventId: string; media: MediaState }> {
  const receipt = page.getByTestId('seek-audit-event-id');
  const before = (await receipt.count()) > 0 ? await receipt.getAttribute('data-audit-event-id') : null;
  const appeared = page.evaluate(
    (previous) =>
      new Promise<{ eventId: string; media: MediaState }>((resolve, reject) => {
        const read = () => {
          const eventId = document.querySelector('[data-testid="seek-audit-event-id"]')?.getAttribute('data-audit-event-id');
          const media = document.querySelector<HTMLAudioElement>('[data-testid="playback-audio"]');
          if (!eventId || eventId === previous || !media) return false;
          const { currentTime, duration, paused, ended, seeking } = media;
          resolve({ eventId, media: { currentTime, duration, paused, ended, seeking } });
          return true;
        };
        if (read()) return;
        const observer = new MutationObserver(() => {
          if (read()) observer.disconnect();
        });
        observer.observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-audit-event-id'] });
        setTimeout(() => {
          observer.disconnect();
          reject(new Error('no new seek receipt within 20 s'));
        }, 20_000);
      }),
    before,
  );
  await act();
  return appeared;
}

/**
 * Performs `act`, waits for the seek receipt it causes, and returns the seek's audit event from the
 * WORM log with the media element's state read as soon as the receipt appeared.
 */
export async function recordedSeek(page: Page, harness: Harness, act: () => Promise<void>): Promise<{ event: AuditEvent; media: MediaState }> {
  const { eventId, media } = await seekReceipt(page, act);
  const event = await auditEvent(harness, eventId);
  expect(event.action).toBe('seek');
  return { event, media };
}

export const positionS = ({ event }: { event: AuditEvent }) => (event.details as { positionMs: number }).positionMs / 1000;
