import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Annotation } from '../../../shared/annotations';
import type { AuditTrailPage } from '../../../shared/audit-views';
import { shareProfileWithCli } from '../../helpers/cli-profile';
import { startHarness, uniqueTradingCall, type Harness } from '../../helpers/engine-harness';

let h: Harness;
let cli: Awaited<ReturnType<typeof shareProfileWithCli>>;
let call: ReturnType<typeof uniqueTradingCall>;

beforeAll(async () => {
  h = await startHarness({ worm: inject('worm').connection });
  cli = await shareProfileWithCli(h);
  call = uniqueTradingCall(h.sandbox);
  // The recording enters the index as an officer's search puts it there.
  await h.composed.engine.search({ tradingId: call.tradingId }, { caseReference: null });
});
afterAll(async () => {
  await cli?.dispose();
  await h?.close();
});

describe('custody annotate / annotations', () => {
  it('annotates a range under a case (audited with the note), lists it, shows the note on the audit trail, and refuses bad input', async () => {
    const made = await cli.run(['annotate', '--recording', call.recording.id, '--from', '0:02', '--to', '5500', '--note', 'Client confirms 5m at 1.0842', '--case', 'FCA-2026-0123', '--json']);
    expect(made.code, made.stderr).toBe(0);
    const annotation = JSON.parse(made.stdout) as Annotation;
    expect(annotation).toMatchObject({ recordingId: call.recording.id, fromMs: 2_000, toMs: 5_500, note: 'Client confirms 5m at 1.0842', version: 1, caseReference: 'FCA-2026-0123' });

    const annotate = (from: string, to: string, note: string, recordingId = call.recording.id) =>
      cli.run(['annotate', '--recording', recordingId, '--from', from, '--to', to, '--note', note, '--case', 'FCA-2026-0123', '--json']);
    const [listed, trail, past, empty, unknown] = await Promise.all([
      cli.run(['annotations', '--recording', call.recording.id]),
      cli.run(['audit', 'show', '--case', 'FCA-2026-0123', '--json']),
      annotate('0:01', '9:59:00', 'late'),
      annotate('0:01', '0:02', ' \n '),
      annotate('0:01', '0:02', 'x', 'no-such-recording'),
    ]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`${annotation.annotationId}\\s+0:02–0:05\\s+Client confirms 5m at 1\\.0842\\s+FCA-2026-0123\\s+Olivia Adler`));
    expect((JSON.parse(trail.stdout) as AuditTrailPage).entries.map((e) => [e.action, e.eventId, e.summary])).toEqual([
      ['annotate', annotation.auditEventId, 'create v1 0:02–0:05: Client confirms 5m at 1.0842'],
    ]);
    const errorOf = (run: { code: number | null; stderr: string }) => (run.code === 1 ? (JSON.parse(run.stderr) as { error: { code: string; message: string } }).error : null);
    expect(errorOf(past)).toMatchObject({ code: 'VALIDATION', message: expect.stringMatching(new RegExp(`^The range ends at 9:59:00, past the end of recording ${call.recording.id}`)) });
    expect(errorOf(empty)).toMatchObject({ code: 'VALIDATION', message: 'note: the note is empty' });
    expect(errorOf(unknown)).toMatchObject({ code: 'NOT_FOUND' });
    expect(await h.composed.annotations.list(call.recording.id)).toEqual([annotation]);
  });
});
