import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../../../electron/services/logging/file-logger';
import { SecretRedactor } from '../../../../../electron/services/logging/redactor';
import { createRendererLog } from '../../../../../electron/services/logging/renderer-log';
import { testClockStart } from '../../../../helpers/fake-clock';

function setup(limits = {}) {
  const lines: Array<Record<string, unknown>> = [];
  let time = testClockStart();
  const logger = createLogger({ sink: (l) => lines.push(JSON.parse(l) as Record<string, unknown>), redactor: new SecretRedactor(), now: () => time });
  const write = createRendererLog(logger, { now: () => time, limits });
  return { lines, write, advance: (ms: number) => (time += ms), start: time };
}

describe('the renderer log', () => {
  it('nests renderer fields under "fields": they cannot forge the time, level or scope', () => {
    const { lines, write, start } = setup();
    write({ level: 'info', message: 'hello', fields: { time: '2001-01-01T00:00:00.000Z', level: 'error', scope: 'custody/audit', message: 'forged' } });
    expect(lines).toEqual([
      {
        time: new Date(start).toISOString(),
        level: 'info',
        scope: 'custody/renderer',
        message: 'hello',
        fields: { time: '2001-01-01T00:00:00.000Z', level: 'error', scope: 'custody/audit', message: 'forged' },
      },
    ]);
  });

  it('caps each field, the message and the whole record', () => {
    const { lines, write } = setup({ fieldChars: 100, recordChars: 400 });
    const fields = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, 'x'.repeat(5000)]));
    write({ level: 'warn', message: 'm'.repeat(5000), fields: { nested: { deep: 'y'.repeat(5000) }, ...fields } });
    const line = lines[0]!;
    expect(String(line.message).length).toBeLessThan(160);
    const written = line.fields as Record<string, unknown>;
    expect(JSON.stringify(written).length).toBeLessThan(600);
    expect(String(written.nested)).toMatch(/more characters cut/);
    expect(written.omittedFields).toBeGreaterThan(0);
  });

  it('drops lines past the rate and says how many in one record when the window closes', () => {
    const { lines, write, advance } = setup({ linesPerWindow: 10, windowMs: 1000 });
    for (let i = 0; i < 250; i += 1) write({ level: 'info', message: `line ${i}` });
    expect(lines).toHaveLength(10);
    advance(1000);
    write({ level: 'info', message: 'after' });
    expect(lines.slice(10).map((l) => [l.level, l.message])).toEqual([
      ['warn', 'dropped 240 renderer log lines'],
      ['info', 'after'],
    ]);
  });
});
