/**
 * Looks at the built renderer in real Chromium, under the production CSP, with a canned IPC transport.
 * Not a test: it drives search -> open -> case reference -> audited playback, saves screenshots and prints
 * what it measured (CSP violations, page errors, audio progress, waveform pixels); exits 1 on any problem.
 *
 *   npx vite build --config renderer/vite.config.ts && npx tsx test/helpers/ui-preview.ts
 *
 * Screenshots: /tmp/ui-preview.png (playing), /tmp/ui-preview-start.png (validation), /tmp/ui-preview-dialog.png,
 * /tmp/ui-preview-refused.png (audit refusal, index offline).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Page, type Route } from 'playwright-core';
import {
  sampleDetail,
  sampleGrant,
  sampleMatches,
  sampleSearchResult,
  sampleSession,
  sampleWaveform,
} from './renderer-fixtures';

const origin = 'https://custody.invalid';
const distDir = path.resolve(import.meta.dirname, '../../dist/renderer');
const csp = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "media-src 'self' media: blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

const audioDurationMs = 30_000;
const sampleRate = 8000;

/** A stereo WAV whose loudness follows the waveform peaks: agent tone on the left, client tone on the right. */
function speechLikeWav(peaks: ReadonlyArray<ReadonlyArray<number>>): Buffer {
  const frames = (sampleRate * audioDurationMs) / 1000;
  const data = Buffer.alloc(frames * 4);
  for (let i = 0; i < frames; i++) {
    for (let channel = 0; channel < 2; channel++) {
      const lane = peaks[channel] ?? [];
      const level = lane[Math.floor((i / frames) * lane.length)] ?? 0;
      const tone = Math.sin((2 * Math.PI * (channel === 0 ? 220 : 330) * i) / sampleRate);
      data.writeInt16LE(Math.round(tone * level * 0.6 * 32767), i * 4 + channel * 2);
    }
  }
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVEfmt ', 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(2, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * 4, 28);
  header.writeUInt16LE(4, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

async function serve(route: Route, wav: Buffer): Promise<void> {
  const url = new URL(route.request().url());
  if (url.pathname.startsWith('/media/')) {
    // <audio> asks for byte ranges; answer them as main's media: protocol handler does.
    const range = /^bytes=(\d+)-(\d*)$/.exec(route.request().headers()['range'] ?? '');
    const start = range ? Number(range[1]) : 0;
    const end = range?.[2] ? Math.min(Number(range[2]), wav.length - 1) : wav.length - 1;
    await route.fulfill({
      status: range ? 206 : 200,
      headers: {
        'content-type': 'audio/wav',
        'accept-ranges': 'bytes',
        'content-length': String(end - start + 1),
        ...(range ? { 'content-range': `bytes ${start}-${end}/${wav.length}` } : {}),
      },
      body: wav.subarray(start, end + 1),
    });
    return;
  }
  const relative = url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname.slice(1));
  const file = path.resolve(distDir, relative);
  if (!file.startsWith(distDir + path.sep) || !existsSync(file)) {
    await route.fulfill({ status: 404, body: 'not found' });
    return;
  }
  await route.fulfill({
    status: 200,
    headers: { 'content-type': contentTypes[path.extname(file)] ?? 'application/octet-stream', 'content-security-policy': csp },
    body: await readFile(file),
  });
}

type Canned = Record<string, { ok: true; value: unknown } | { ok: false; error: unknown }>;

/**
 * Runs in the page before the bundle: the transport the preload would expose, answering from `canned`.
 * Plain JavaScript text, because tsx rewrites functions with helpers that do not exist in the page.
 */
function transportScript(canned: Canned): string {
  return `(() => {
  const canned = ${JSON.stringify(canned)};
  const violations = [];
  window.cspViolations = violations;
  document.addEventListener('securitypolicyviolation', (e) => violations.push(e.violatedDirective + ' ' + e.blockedURI));
  let caseReference = null;
  window.custodyIpc = {
    async invoke(channel, request) {
      await new Promise((resolve) => setTimeout(resolve, 120));
      if (channel === 'session:setCaseReference') caseReference = String(request.caseReference);
      const answer = canned[channel];
      if (!answer) return { ok: false, error: { code: 'INTERNAL', message: 'no canned answer for ' + channel, retryable: false } };
      if (answer.ok && channel.startsWith('session:')) return { ok: true, value: { ...answer.value, caseReference } };
      return answer;
    },
    subscribe: () => () => undefined,
  };
})();`;
}

function cannedAnswers(scenario: 'plays' | 'refused'): Canned {
  const now = Date.now();
  const match = sampleMatches[0]!;
  const recordingId = match.recordingId!;
  return {
    'session:get': { ok: true, value: sampleSession(now) },
    'session:setCaseReference': { ok: true, value: sampleSession(now) },
    // The refused run also shows the header's offline state.
    'recordings:search': {
      ok: true,
      value:
        scenario === 'plays'
          ? sampleSearchResult(now)
          : {
              ...sampleSearchResult(now),
              index: {
                ...sampleSearchResult(now).index,
                lastSyncedAt: new Date(now - 95 * 60_000).toISOString(),
                source: 'offline',
                warning: 'Genesys Cloud unreachable: calls after the last sync are missing.',
              },
            },
    },
    'recordings:get': { ok: true, value: sampleDetail(match) },
    'recordings:authorizePlayback':
      scenario === 'plays'
        ? { ok: true, value: { ...sampleGrant(recordingId, `${origin}/media/${recordingId}`), durationMs: audioDurationMs } }
        : {
            ok: false,
            error: {
              code: 'AUDIT_UNAVAILABLE',
              message: 'WORM audit write failed: PUT audit/evt-000185 returned 503 SlowDown from the archive.',
              retryable: true,
            },
          },
    'recordings:getWaveform': { ok: true, value: sampleWaveform(recordingId, audioDurationMs, 1000) },
    'log:write': { ok: true, value: {} },
  };
}

async function openFirstRecording(page: Page): Promise<void> {
  await page.getByTestId('search-client-account').fill('ACC-10442');
  await page.getByTestId('search-submit').click();
  await page.getByTestId('result-row').first().click();
  await page.getByTestId('participants').waitFor();
}

async function main(): Promise<void> {
  if (!existsSync(path.join(distDir, 'index.html'))) {
    throw new Error(`${distDir} has no build: run npx vite build --config renderer/vite.config.ts first`);
  }
  const wav = speechLikeWav(sampleWaveform('preview', audioDurationMs, 1000).peaks);
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const problems: Array<string> = [];
  try {
    for (const scenario of ['plays', 'refused'] as const) {
      const context = await browser.newContext({ viewport: { width: 1440, height: 860 } });
      const page = await context.newPage();
      page.on('pageerror', (error) => problems.push(`[${scenario}] page error: ${error.message}`));
      page.on('console', (msg) => {
        if (msg.type() === 'error' || msg.type() === 'warning') problems.push(`[${scenario}] console ${msg.type()}: ${msg.text()}`);
      });
      await context.route('**/*', async (route) => {
        if (route.request().url().startsWith(`${origin}/`)) return serve(route, wav);
        problems.push(`[${scenario}] blocked request to ${route.request().url()}`);
        return route.abort();
      });
      await page.addInitScript({ content: transportScript(cannedAnswers(scenario)) });
      await page.goto(`${origin}/index.html`);
      if (scenario === 'plays') {
        // An empty search first: the inline validation, before anything is sent.
        await page.getByTestId('search-submit').click();
        await page.getByTestId('search-error').waitFor();
        await page.screenshot({ path: '/tmp/ui-preview-start.png' });
      }
      await openFirstRecording(page);
      await page.getByTestId('play-button').click();
      await page.getByTestId('case-reference-dialog').waitFor();
      await page.getByTestId('case-reference-input').fill('FCA-2025-0193');

      if (scenario === 'plays') {
        await page.screenshot({ path: '/tmp/ui-preview-dialog.png' });
        await page.getByTestId('case-reference-submit').click();
        await page.getByTestId('audit-event-id').waitFor();
        await page.locator('[data-testid="waveform"] >> canvas').first().waitFor({ state: 'attached' });
        await page.waitForTimeout(2000);
        const measured = await page.evaluate(() => {
          const audio = document.querySelector('audio');
          const host = document.querySelector('[data-testid="waveform"] div');
          const canvases = Array.from(host?.shadowRoot?.querySelectorAll('canvas') ?? []);
          let inked = 0;
          for (const canvas of canvases) {
            const pixels = canvas.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height).data ?? [];
            for (let i = 3; i < pixels.length; i += 4) if ((pixels[i] ?? 0) > 0) inked++;
          }
          return {
            audioSrc: audio?.getAttribute('src'),
            audioTime: audio?.currentTime,
            paused: audio?.paused,
            canvases: canvases.length,
            inkedPixels: inked,
            playbackTime: document.querySelector('[data-testid="playback-time"]')?.textContent,
            csp: (window as unknown as { cspViolations: Array<string> }).cspViolations,
          };
        });
        console.log('playing:', JSON.stringify(measured));
        problems.push(...measured.csp.map((v) => `[${scenario}] CSP violation: ${v}`));
        await page.getByTestId('waveform').click({ position: { x: 300, y: 50 } });
        await page.waitForTimeout(300);
        console.log('after clicking the waveform at x=300:', await page.getByTestId('playback-time').textContent());
        await page.screenshot({ path: '/tmp/ui-preview.png' });
      } else {
        await page.getByTestId('case-reference-submit').click();
        await page.getByTestId('playback-refused').waitFor();
        const refused = await page.evaluate(() => ({
          audioElements: document.querySelectorAll('audio').length,
          csp: (window as unknown as { cspViolations: Array<string> }).cspViolations,
        }));
        console.log('refused:', JSON.stringify(refused));
        problems.push(...refused.csp.map((v) => `[${scenario}] CSP violation: ${v}`));
        if (refused.audioElements > 0) problems.push('[refused] an audio element exists after the refusal');
        await page.screenshot({ path: '/tmp/ui-preview-refused.png' });
      }
      await context.close();
    }
  } finally {
    await browser.close();
    console.log(problems.length === 0 ? 'no CSP violations, page errors, console errors or outside requests' : problems.join('\n'));
    if (problems.length > 0) process.exitCode = 1;
  }
  console.log('screenshots: /tmp/ui-preview.png /tmp/ui-preview-start.png /tmp/ui-preview-dialog.png /tmp/ui-preview-refused.png');
}

await main();
