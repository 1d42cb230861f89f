// The renderer's memory while Chromium plays a 10-hour stereo call (1.1 GB) through the browser shell:
// the app's page, bridged to the real engine on the sandbox (`--long-call`) and radosgw, plays the call's
// media:// URL in an <audio> element from its first play (streaming into the cache) and seeks across it;
// the renderer process's resident memory (VmRSS, and its peak VmHWM) is sampled every second.
//   node build/scripts/build.mjs
//   dbus-run-session -- bash build/scripts/with-keyring.sh npx tsx test/bench/long-call-memory.ts [--hours 10] [--seconds 60]
import { readFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { bridgeContext, chromiumArgs, CHROMIUM_PATH, SHELL_ORIGIN } from '../../electron/shell/browser-shell';
import { startHarness } from '../helpers/engine-harness';
import { startTestWorm } from '../helpers/worm';
import { load } from './bench-env';

const { values } = parseArgs({ options: { hours: { type: 'string', default: '10' }, seconds: { type: 'string', default: '60' } } });
const rendererDir = fileURLToPath(new URL('../../dist/renderer', import.meta.url));

/** Marks this bench's Chromium, so only its renderers are measured (other Chromiums may run on the machine). */
const MARKER = `--custody-bench-${process.pid}`;

/** Resident and peak memory (MiB) of this Chromium's renderer processes. */
async function rendererMemory(): Promise<Array<{ pid: number; rssMiB: number; hwmMiB: number }>> {
  const table = execFileSync('ps', ['-eo', 'pid=,ppid=,args='], { encoding: 'utf8' })
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ pid: Number(m[1]), ppid: Number(m[2]), args: m[3]! }));
  const ours = new Set(table.filter((p) => p.args.includes(MARKER) && !p.args.includes('--type=')).map((p) => p.pid));
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of table) {
      if (!ours.has(p.ppid) || ours.has(p.pid)) continue;
      ours.add(p.pid);
      grew = true;
    }
  }
  const pids = table.filter((p) => ours.has(p.pid) && p.args.includes('--type=renderer')).map((p) => p.pid);
  const out = [];
  for (const pid of pids) {
    const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
    const kib = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
    if (status) out.push({ pid, rssMiB: kib('VmRSS') / 1024, hwmMiB: kib('VmHWM') / 1024 });
  }
  return out;
}

console.log(`renderer memory bench: a ${values.hours}-hour call, ${values.seconds} s of playing and seeking; load average ${load()}`);
const worm = await startTestWorm();
const harness = await startHarness({ worm: worm.connection, mediaUrlBase: `${SHELL_ORIGIN}/media/recording/`, sandbox: { longCallHours: Number(values.hours) } });
const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: [...chromiumArgs(), '--autoplay-policy=no-user-gesture-required', MARKER] });
try {
  const context = await browser.newContext({ serviceWorkers: 'block' });
  const bridge = await bridgeContext(context, harness.composed, { rendererDir });
  const page = await context.newPage();
  await page.goto(bridge.appUrl);
  await page.getByTestId('app-header').waitFor();
  const idle = await rendererMemory();
  const recordingId = harness.sandbox.dataset.longCallRecordingId!;
  const recording = harness.sandbox.dataset.recordings.find((r) => r.id === recordingId)!;
  const { engine, session } = harness.composed;
  await engine.conversationRecordings(recording.conversationId);
  session.setCaseReference('BENCH-MEMORY');
  const grant = await engine.authorizePlayback(recordingId, session.caseReference);
  await page.evaluate(async (url) => {
    const audio = new Audio(url);
    (window as unknown as { benchAudio: HTMLAudioElement }).benchAudio = audio;
    await audio.play();
  }, grant.mediaUrl);
  let peakRss = 0;
  const durationS = recording.durationMs / 1000;
  for (let second = 0; second < Number(values.seconds); second += 1) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    // A seek every 10 s, spread over the call (what has landed is served; further on waits for it).
    if (second % 10 === 9) await page.evaluate((to) => ((window as unknown as { benchAudio: HTMLAudioElement }).benchAudio.currentTime = to), ((second * 7919) % 100) / 100 * durationS);
    const now = await rendererMemory();
    peakRss = Math.max(peakRss, ...now.map((p) => p.rssMiB));
  }
  const at = await page.evaluate(() => (window as unknown as { benchAudio: HTMLAudioElement }).benchAudio.currentTime);
  const final = await rendererMemory();
  console.log(`renderer processes idle (app open): ${idle.map((p) => `${p.rssMiB.toFixed(0)} MiB`).join(', ')}`);
  console.log(`while playing: peak sampled RSS ${peakRss.toFixed(0)} MiB; VmHWM ${final.map((p) => `${p.hwmMiB.toFixed(0)} MiB`).join(', ')} (goal < 300 MB); playhead at ${at.toFixed(0)} s; load average ${load()}`);
} finally {
  await browser.close();
  await harness.close();
  await worm.stop();
}
