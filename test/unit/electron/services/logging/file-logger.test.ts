import type * as fsModule from 'node:fs';
import { access, readdir, readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createFileLogWriter, createLogger } from '../../../../../electron/services/logging/file-logger';
import { SecretRedactor } from '../../../../../electron/services/logging/redactor';
import { testTempDir } from '../../../../helpers/temp-dir';

// Every synchronous fs call, counted: a log call must never block the thread on the disk.
const syncCalls = vi.hoisted(() => [] as Array<string>);
vi.mock('node:fs', async (importOriginal) => {
  const actual = await importOriginal<typeof fsModule>();
  const counted = Object.fromEntries(
    Object.entries(actual).map(([name, value]) =>
      name.endsWith('Sync') && typeof value === 'function'
        ? [name, (...args: Array<unknown>) => (syncCalls.push(name), (value as (...a: Array<unknown>) => unknown)(...args))]
        : [name, value],
    ),
  );
  return { ...counted, default: { ...actual, ...counted } };
});

const line = (i: number, pad = 0) => `${JSON.stringify({ i, pad: 'p'.repeat(pad) })}\n`;
const indexes = (text: string) => text.split('\n').filter((l) => l !== '').map((l) => (JSON.parse(l) as { i: number }).i);

afterEach(() => {
  syncCalls.length = 0;
});

describe('file log writer', () => {
  it('returns before touching the disk, and writes every line in order once flushed', async () => {
    const dir = await testTempDir('custody-log-');
    syncCalls.length = 0;
    const log = createFileLogWriter(dir);
    for (let i = 0; i < 1000; i += 1) log.write(line(i));
    await expect(access(`${dir}/custody.log`)).rejects.toThrow();
    await log.flush();
    expect(indexes(await readFile(`${dir}/custody.log`, 'utf8'))).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    for (let i = 1000; i < 1010; i += 1) log.write(line(i));
    await log.close();
    expect(indexes(await readFile(`${dir}/custody.log`, 'utf8')).slice(-10)).toEqual(Array.from({ length: 10 }, (_, i) => 1000 + i));
    expect(syncCalls).toEqual([]);
  });

  it('keeps ten rotated files of at most maxBytes, newest first, with no line lost or split', async () => {
    const dir = await testTempDir('custody-log-');
    syncCalls.length = 0;
    const log = createFileLogWriter(dir, { maxBytes: 1000 });
    for (let i = 0; i < 200; i += 1) log.write(line(i, 80));
    await log.close();
    const files = (await readdir(dir)).sort();
    expect(files).toEqual(['custody.log', ...Array.from({ length: 10 }, (_, i) => `custody.log.${i + 1}`)].sort());
    const ordered = ['custody.log.10', 'custody.log.9', 'custody.log.8', 'custody.log.7', 'custody.log.6', 'custody.log.5', 'custody.log.4', 'custody.log.3', 'custody.log.2', 'custody.log.1', 'custody.log'];
    const texts = await Promise.all(ordered.map((f) => readFile(`${dir}/${f}`, 'utf8')));
    for (const text of texts) expect(Buffer.byteLength(text)).toBeLessThanOrEqual(1000);
    const kept = texts.flatMap(indexes);
    expect(kept.at(-1)).toBe(199);
    expect(kept).toEqual(Array.from({ length: kept.length }, (_, i) => 200 - kept.length + i));
    expect(syncCalls).toEqual([]);
  });

  it('continues the existing file after a restart and rotates it when full', async () => {
    const dir = await testTempDir('custody-log-');
    const first = createFileLogWriter(dir, { maxBytes: 1000 });
    for (let i = 0; i < 5; i += 1) first.write(line(i, 80));
    await first.close();
    const second = createFileLogWriter(dir, { maxBytes: 1000 });
    for (let i = 5; i < 12; i += 1) second.write(line(i, 80));
    await second.close();
    expect(indexes(await readFile(`${dir}/custody.log.1`, 'utf8'))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(indexes(await readFile(`${dir}/custody.log`, 'utf8'))).toEqual([10, 11]);
  });

  it('drops lines past its queue bound and says how many, rather than growing without limit', async () => {
    const dir = await testTempDir('custody-log-');
    const log = createFileLogWriter(dir, { maxQueuedBytes: 2000 });
    for (let i = 0; i < 100; i += 1) log.write(line(i, 80));
    await log.flush();
    log.write(line(100));
    await log.close();
    const records = (await readFile(`${dir}/custody.log`, 'utf8')).split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
    const dropped = records.find((r) => r['scope'] === 'custody/log')!;
    expect(dropped['level']).toBe('warn');
    const written = records.filter((r) => typeof r['i'] === 'number').length;
    expect(dropped['dropped']).toBe(101 - written);
    expect(records.at(-1)).toMatchObject({ i: 100 });
  });

  it('writes redacted records through the logger', async () => {
    const dir = await testTempDir('custody-log-');
    const redactor = new SecretRedactor();
    redactor.register('s3cr3t-value-123');
    const log = createFileLogWriter(dir);
    createLogger({ sink: log.write, redactor }).info('token s3cr3t-value-123 issued', { token: 's3cr3t-value-123' });
    await log.close();
    const text = await readFile(`${dir}/custody.log`, 'utf8');
    expect(text).toContain('issued');
    expect(text).not.toContain('s3cr3t-value-123');
  });
});
