import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { hostEngine } from '../../../electron/main/app-host';
import type { IpcInvokeEventLike, IpcMainLike } from '../../../electron/main/ipc/server';
import { APP_ORIGIN } from '../../../electron/main/security';
import { RENDERER_LOG_LIMITS } from '../../../electron/services/logging/renderer-log';
import type { Envelope } from '../../../shared/ipc/contract';
import { startHarness, type Harness } from '../../helpers/engine-harness';

let h: Harness;
afterAll(async () => h?.close());

type LogLine = { time: string; level: string; scope: string; message: string; fields?: Record<string, unknown> };

describe('renderer log:write', () => {
  it('cannot forge time, level or scope, is capped in size and rate, and says how many lines it dropped', async () => {
    h = await startHarness({ worm: inject('worm').connection });
    const handlers = new Map<string, (e: IpcInvokeEventLike, r: unknown) => Promise<Envelope>>();
    const ipc: IpcMainLike = { handle: (c, l) => handlers.set(c, l), removeHandler: (c) => handlers.delete(c) };
    const host = hostEngine(h.composed, {
      ipc,
      emit: () => undefined,
      trustedOrigin: APP_ORIGIN,
      rendererDir: h.root,
      validateResponses: true,
      openSignInPage: async () => {
        throw new Error('no sign-in in this test');
      },
    });
    const invoke = (request: unknown) => handlers.get('log:write')!({ senderFrame: { url: `${APP_ORIGIN}/index.html`, isTopFrame: true } }, request);
    const started = Date.now();
    h.composed.logger.info('engine line before the flood');

    const forged = await invoke({
      level: 'info',
      message: 'forged-line',
      fields: { time: '2001-01-01T00:00:00.000Z', level: 'error', scope: 'custody/audit', message: 'audit record acknowledged' },
    });
    expect(forged.ok).toBe(true);
    const huge = 'x'.repeat(1_000_000);
    await invoke({ level: 'warn', message: 'huge-line', fields: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`f${i}`, huge])) });
    // 22 MB of renderer writes, as in the report: 22 lines of 1 MB each, then a burst of small ones.
    for (let i = 0; i < 22; i += 1) await invoke({ level: 'info', message: `flood-${i}`, fields: { blob: huge } });
    for (let i = 0; i < 500; i += 1) await invoke({ level: 'info', message: `burst-${i}` });
    // The dropped lines are counted once the window closes, even with the renderer silent.
    await new Promise((resolve) => setTimeout(resolve, RENDERER_LOG_LIMITS.windowMs + 500));
    host.dispose();

    const logPath = join(h.env.CUSTODY_DATA_DIR!, h.profile, 'logs', 'custody.log');
    const text = await readFile(logPath, 'utf8');
    const lines = text
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as LogLine);
    const renderer = lines.filter((l) => l.scope === 'custody/renderer');

    const line = renderer.find((l) => l.message === 'forged-line')!;
    expect(line).toMatchObject({ level: 'info', scope: 'custody/renderer', fields: { time: '2001-01-01T00:00:00.000Z', level: 'error', scope: 'custody/audit' } });
    expect(Date.parse(line.time)).toBeGreaterThanOrEqual(started - 1000);
    expect(lines.filter((l) => l.message === 'audit record acknowledged')).toEqual([]);

    const sizes = renderer.map((l) => JSON.stringify(l).length);
    expect(Math.max(...sizes)).toBeLessThan(RENDERER_LOG_LIMITS.recordChars + 2 * RENDERER_LOG_LIMITS.fieldChars);
    expect(renderer.find((l) => l.message === 'huge-line')!.fields!.omittedFields).toBeGreaterThan(0);

    const accepted = renderer.filter((l) => /^(forged|huge|flood|burst)/.test(l.message));
    expect(accepted).toHaveLength(RENDERER_LOG_LIMITS.linesPerWindow);
    const dropped = renderer.filter((l) => /^dropped \d+ renderer log lines$/.test(l.message));
    expect(dropped.map((l) => [l.level, l.message])).toEqual([['warn', `dropped ${2 + 22 + 500 - RENDERER_LOG_LIMITS.linesPerWindow} renderer log lines`]]);
    // The engine's own line from before the flood is still in the current file: nothing rotated away.
    expect(lines.filter((l) => l.message === 'engine line before the flood')).toHaveLength(1);
    expect(text.length).toBeLessThan(2 * 1024 * 1024);
  });
});
