// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import {
  channelGains,
  followWindow,
  keyBelongsToFocus,
  loopJump,
  loopRange,
  parseJumpTarget,
  setLoopEnd,
  shortcutFor,
  zoomWindowMs,
} from '../../../renderer/src/player/player-rules';

// A call that starts today at 10:40:00 local time (whatever the zone of the machine) and lasts 5 minutes.
const today = new Date();
const startedAtMs = new Date(today.getFullYear(), today.getMonth(), today.getDate(), 10, 40, 0).getTime();
const call = { startedAtMs, durationMs: 300_000, timeFirst: 'local' as const };
const utcClock = (ms: number) => new Date(ms).toISOString().slice(11, 19);

describe('jump to a time', () => {
  it('reads offsets: m:ss, h:mm:ss with a +, and seconds', () => {
    expect(parseJumpTarget('1:23', call)).toMatchObject({ ok: true, positionMs: 83_000 });
    expect(parseJumpTarget('83s', call)).toMatchObject({ ok: true, positionMs: 83_000 });
    expect(parseJumpTarget(' 83.5 s ', call)).toMatchObject({ ok: true, positionMs: 83_500 });
    expect(parseJumpTarget('+0:01:02', call)).toMatchObject({ ok: true, positionMs: 62_000 });
    expect(parseJumpTarget('0:02:03', { ...call, startedAtMs: startedAtMs + 3_600_000 })).toMatchObject({ ok: true, positionMs: 123_000 });
  });

  it('reads wall-clock times in the clock shown first, or in the one named', () => {
    expect(parseJumpTarget('10:42:05', call)).toMatchObject({ ok: true, positionMs: 125_000 });
    expect(parseJumpTarget('10:42:05 local', { ...call, timeFirst: 'utc' })).toMatchObject({ ok: true, positionMs: 125_000 });
    const utc = utcClock(startedAtMs + 125_000);
    expect(parseJumpTarget(`${utc} UTC`, call)).toMatchObject({ ok: true, positionMs: 125_000, meaning: `${utc} UTC (offset 2:05)` });
    expect(parseJumpTarget(utc, { ...call, timeFirst: 'utc' })).toMatchObject({ ok: true, positionMs: 125_000 });
  });

  it('finds a wall-clock time after midnight in a call that runs past it', () => {
    const lateStart = new Date(today.getFullYear(), today.getMonth(), today.getDate(), 23, 58, 0).getTime();
    expect(parseJumpTarget('00:01:00', { ...call, startedAtMs: lateStart })).toMatchObject({ ok: true, positionMs: 180_000 });
  });

  it('says plainly what is wrong: outside the call, past its end, not a time', () => {
    const outside = parseJumpTarget('11:30:00', call);
    expect(outside).toEqual({ ok: false, error: '11:30:00 local is outside this call, which runs from 10:40:00 to 10:45:00 local. Nothing was moved.' });
    expect(parseJumpTarget('9:00', call)).toEqual({ ok: false, error: '9:00 is after the end of the call (5:00). Nothing was moved.' });
    expect(parseJumpTarget('400s', call)).toMatchObject({ ok: false });
    expect(parseJumpTarget('1:75', call)).toMatchObject({ ok: false, error: expect.stringContaining('up to 59') });
    expect(parseJumpTarget('25:00:00 UTC', call)).toMatchObject({ ok: false, error: expect.stringContaining('not a time of day') });
    expect(parseJumpTarget('trade at ten', call)).toMatchObject({ ok: false, error: expect.stringContaining('is not a time') });
    expect(parseJumpTarget('  ', call)).toMatchObject({ ok: false });
  });
});

describe('keyboard shortcuts', () => {
  const press = (key: string, modifiers: Partial<{ shiftKey: boolean; ctrlKey: boolean; metaKey: boolean; altKey: boolean }> = {}) =>
    shortcutFor({ key, shiftKey: false, ctrlKey: false, metaKey: false, altKey: false, ...modifiers });

  it('maps Space, J/K/L, arrows, Home/End, loop ends, zoom and mute', () => {
    expect(press(' ')).toEqual({ kind: 'toggle-play' });
    expect(press('k')).toEqual({ kind: 'pause' });
    expect(press('j')).toEqual({ kind: 'skip', seconds: -5 });
    expect(press('L')).toEqual({ kind: 'skip', seconds: 5 });
    expect(press('ArrowLeft')).toEqual({ kind: 'skip', seconds: -5 });
    expect(press('ArrowRight', { shiftKey: true })).toEqual({ kind: 'skip', seconds: 15 });
    expect(press('ArrowLeft', { shiftKey: true })).toEqual({ kind: 'skip', seconds: -15 });
    expect(press('Home')).toEqual({ kind: 'start' });
    expect(press('End')).toEqual({ kind: 'end' });
    expect(press('[')).toEqual({ kind: 'loop-start' });
    expect(press(']')).toEqual({ kind: 'loop-end' });
    expect(press('+')).toEqual({ kind: 'zoom', direction: 1 });
    expect(press('-')).toEqual({ kind: 'zoom', direction: -1 });
    expect(press('m')).toEqual({ kind: 'toggle-mute' });
    expect(press('x')).toBeNull();
    expect(press('l', { ctrlKey: true })).toBeNull();
    expect(press('ArrowLeft', { altKey: true })).toBeNull();
  });

  it('leaves keys to inputs, dialogs and, for Space, to a focused button', () => {
    document.body.innerHTML = '<input id="i"><div role="dialog"><span id="d"></span></div><button id="b"></button><div id="v"></div>';
    const el = (id: string) => document.getElementById(id);
    expect(keyBelongsToFocus(el('i'), 'k')).toBe(true);
    expect(keyBelongsToFocus(el('d'), 'ArrowLeft')).toBe(true);
    expect(keyBelongsToFocus(el('b'), ' ')).toBe(true);
    expect(keyBelongsToFocus(el('b'), 'ArrowLeft')).toBe(false);
    expect(keyBelongsToFocus(el('v'), ' ')).toBe(false);
    expect(keyBelongsToFocus(document.body, 'm')).toBe(false);
  });
});

describe('A–B loop', () => {
  it('sets the ends at the playhead and drops an end that no longer fits', () => {
    let ends = setLoopEnd({ a: null, b: null }, 'a', 10_000);
    expect(loopRange(ends)).toBeNull();
    ends = setLoopEnd(ends, 'b', 20_000);
    expect(loopRange(ends)).toEqual({ fromMs: 10_000, toMs: 20_000 });
    expect(setLoopEnd(ends, 'a', 25_000)).toEqual({ a: 25_000, b: null });
    expect(setLoopEnd(ends, 'b', 5_000)).toEqual({ a: null, b: 5_000 });
  });

  it('jumps back to A once playback reaches B, only while looping', () => {
    const range = { fromMs: 10_000, toMs: 20_000 };
    expect(loopJump(range, true, 15_000)).toBeNull();
    expect(loopJump(range, true, 20_000)).toBe(10_000);
    expect(loopJump(range, true, 21_300)).toBe(10_000);
    expect(loopJump(range, false, 21_300)).toBeNull();
    expect(loopJump(null, true, 21_300)).toBeNull();
  });
});

describe('channel mix', () => {
  it('applies volume, mute and solo', () => {
    const agent = { volume: 0.8, muted: false, solo: false };
    const client = { volume: 0.5, muted: false, solo: false };
    expect(channelGains([agent, client])).toEqual([0.8, 0.5]);
    expect(channelGains([{ ...agent, muted: true }, client])).toEqual([0, 0.5]);
    expect(channelGains([agent, { ...client, solo: true }])).toEqual([0, 0.5]);
    expect(channelGains([{ ...agent, solo: true }, { ...client, solo: true }])).toEqual([0.8, 0.5]);
    expect(channelGains([agent, { ...client, solo: true, muted: true }])).toEqual([0, 0]);
  });
});

describe('zoom window', () => {
  it('halves per level, never under 2 s, and follows the playhead page by page', () => {
    expect(zoomWindowMs(3_600_000, 0)).toBe(3_600_000);
    expect(zoomWindowMs(3_600_000, 3)).toBe(450_000);
    expect(zoomWindowMs(10_000, 8)).toBe(2000);
    const first = followWindow(null, 3_600_000, 3, 1_000_000);
    expect(first).toEqual({ fromMs: 775_000, toMs: 1_225_000 });
    expect(followWindow(first, 3_600_000, 3, 1_200_000)).toBe(first);
    expect(followWindow(first, 3_600_000, 3, 1_230_000)).toEqual({ fromMs: 1_185_000, toMs: 1_635_000 });
    expect(followWindow(first, 3_600_000, 3, 3_590_000)).toEqual({ fromMs: 3_150_000, toMs: 3_600_000 });
  });
});
