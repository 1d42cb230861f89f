// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { WaveSurferOptions } from 'wavesurfer.js';
import type { SessionInfo } from '../../../shared/domain';
import { FakeIpcError, type FakeHandlers } from '../../helpers/fake-ipc-transport';
import { renderApp } from '../../helpers/render-app';
import { WaveformPlayer } from '../../../renderer/src/components/WaveformPlayer';
import { usePlayer } from '../../../renderer/src/player/player-context';
import {
  sampleDetail,
  sampleGrant,
  sampleMatches,
  sampleSearchResult,
  sampleSession,
  sampleWaveform,
} from '../../helpers/renderer-fixtures';

// jsdom has no canvas, so wavesurfer itself is replaced by a recorder of what it was asked to draw and play.
// The real drawing is checked in Chromium (test/helpers/ui-preview.ts and the e2e suite).
const wavesurfer = vi.hoisted(() => {
  type Listener = (...args: Array<unknown>) => void;
  const instances: Array<{ options: WaveSurferOptions; playing: boolean; emit(event: string, ...args: Array<unknown>): void; destroyed: boolean }> = [];
  function create(options: WaveSurferOptions) {
    const listeners = new Map<string, Set<Listener>>();
    const instance = {
      options,
      playing: false,
      destroyed: false,
      emit(event: string, ...args: Array<unknown>) {
        for (const listener of listeners.get(event) ?? []) listener(...args);
      },
      on(event: string, listener: Listener) {
        const set = listeners.get(event) ?? new Set<Listener>();
        set.add(listener);
        listeners.set(event, set);
        return () => set.delete(listener);
      },
      async play() {
        instance.playing = true;
        instance.emit('play');
      },
      async playPause() {
        instance.playing = !instance.playing;
        instance.emit(instance.playing ? 'play' : 'pause');
      },
      pause() {
        instance.playing = false;
        instance.emit('pause');
      },
      setOptions(next: Partial<WaveSurferOptions>) {
        Object.assign(instance.options, next);
      },
      setTime(seconds: number) {
        instance.emit('timeupdate', seconds);
      },
      destroy() {
        instance.destroyed = true;
      },
    };
    instances.push(instance);
    return instance;
  }
  return { instances, create };
});
vi.mock('wavesurfer.js', () => ({ default: { create: wavesurfer.create } }));

beforeEach(() => {
  wavesurfer.instances.length = 0;
  // jsdom does not implement media playback; the component pauses its <audio> when it unmounts.
  vi.spyOn(HTMLMediaElement.prototype, 'pause').mockImplementation(() => undefined);
  // Nor pointer capture, which a drag on the waveform asks for.
  HTMLElement.prototype.setPointerCapture = () => undefined;
});
afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

const first = sampleMatches[0]!;
const second = sampleMatches[2]!;

/** A fake main whose session remembers the case reference, as the real one does. */
function mainWith(overrides: FakeHandlers = {}): FakeHandlers {
  let session: SessionInfo = sampleSession();
  return {
    sessionGet: () => session,
    sessionSetCaseReference: ({ caseReference }) => {
      session = { ...session, caseReference };
      return session;
    },
    recordingsSearch: () => sampleSearchResult(),
    recordingsGet: ({ recordingId }) => sampleDetail(sampleMatches.find((m) => m.recordingId === recordingId)!),
    recordingsAuthorizePlayback: ({ recordingId }) => sampleGrant(recordingId),
    recordingsGetWaveform: ({ recordingId, buckets }) => sampleWaveform(recordingId, 282_000, buckets),
    recordingsRecordSeek: ({ positionMs }) => ({ auditEventId: `evt-seek-${positionMs}` }),
    recordingsEndPlayback: () => ({}),
    annotationsList: () => ({ annotations: [] }),
    ...overrides,
  };
}

/** A press on the waveform at `seconds`, laid out one pixel per second of the 282 s sample. */
function pressWaveform(seconds: number, type: 'pointerDown' | 'pointerMove' = 'pointerDown') {
  const waveform = screen.getByTestId('waveform');
  waveform.getBoundingClientRect = () => DOMRect.fromRect({ x: 0, y: 0, width: 282, height: 104 });
  fireEvent[type](waveform, { clientX: seconds, button: 0, buttons: 1, pointerId: 1 });
}

const audioElement = () => screen.getByTestId('playback-audio') as HTMLAudioElement;

async function openRecording(conversationId: string) {
  if (!screen.queryByTestId('results-table')) {
    fireEvent.change(screen.getByTestId('search-client-account'), { target: { value: 'ACC-10442' } });
    fireEvent.click(screen.getByTestId('search-submit'));
  }
  const rows = within(await screen.findByTestId('results-table')).getAllByTestId('result-row');
  const row = rows.find((r) => r.getAttribute('data-conversation-id') === conversationId)!;
  fireEvent.click(row);
  const view = await screen.findByTestId('recording-view');
  await within(view).findByTestId('participants');
  return view;
}

describe('playback', () => {
  it('asks for a case reference before the first play, and not before the second', async () => {
    const { transport } = await renderApp(mainWith());
    await openRecording(first.conversationId);

    fireEvent.click(screen.getByTestId('play-button'));
    const dialog = await screen.findByTestId('case-reference-dialog');
    expect(dialog.getAttribute('role')).toBe('dialog');
    expect(dialog.getAttribute('aria-modal')).toBe('true');
    expect(document.activeElement).toBe(screen.getByTestId('case-reference-input'));
    // Nothing is authorised while the officer has not said why.
    expect(transport.callsTo('recordings:authorizePlayback')).toEqual([]);

    // Too short: the dialog explains and stays.
    fireEvent.change(screen.getByTestId('case-reference-input'), { target: { value: 'ab' } });
    fireEvent.click(screen.getByTestId('case-reference-submit'));
    expect((await within(dialog).findByRole('alert')).textContent).toContain('at least 3 characters');
    expect(transport.callsTo('session:setCaseReference')).toEqual([]);

    fireEvent.change(screen.getByTestId('case-reference-input'), { target: { value: 'FCA-2025-0193' } });
    fireEvent.click(screen.getByTestId('case-reference-submit'));

    const audit = await screen.findByTestId('audit-event-id');
    expect(audit.textContent).toBe('Access recorded: evt-000185-play');
    expect(screen.queryByTestId('case-reference-dialog')).toBeNull();
    expect(screen.getByTestId('header-case-reference').textContent).toBe('FCA-2025-0193');
    expect(screen.getByTestId('recording-sha256').textContent).toBe(sampleGrant(first.recordingId!).sha256);
    // Order matters: the reference is set, then the access is recorded, only then is the waveform fetched.
    expect(transport.calls.map((c) => c.channel).filter((c) => !c.startsWith('annotations:') && !c.startsWith('transcripts:')).slice(-3)).toEqual([
      'session:setCaseReference',
      'recordings:authorizePlayback',
      'recordings:getWaveform',
    ]);

    // The second recording plays straight away.
    await openRecording(second.conversationId);
    fireEvent.click(screen.getByTestId('play-button'));
    await screen.findByTestId('audit-event-id');
    expect(screen.queryByTestId('case-reference-dialog')).toBeNull();
    expect(transport.callsTo('session:setCaseReference')).toHaveLength(1);
    expect(transport.callsTo('recordings:authorizePlayback')).toEqual([
      { recordingId: first.recordingId },
      { recordingId: second.recordingId },
    ]);
  });

  it('cancelling the case-reference dialog plays nothing', async () => {
    const { transport } = await renderApp(mainWith());
    await openRecording(first.conversationId);
    const play = screen.getByTestId('play-button');
    play.focus();
    fireEvent.click(play);
    fireEvent.keyDown(await screen.findByTestId('case-reference-dialog'), { key: 'Escape' });
    expect(screen.queryByTestId('case-reference-dialog')).toBeNull();
    expect(document.activeElement).toBe(screen.getByTestId('play-button'));
    expect(transport.callsTo('recordings:authorizePlayback')).toEqual([]);
    expect(document.querySelector('audio')).toBeNull();
    expect(wavesurfer.instances).toHaveLength(0);
  });

  it('hands the authorised media and the peaks from main to wavesurfer, two lanes, and plays', async () => {
    await renderApp(mainWith({ sessionGet: () => sampleSession(Date.now(), 'FCA-2025-0193') }));
    await openRecording(first.conversationId);
    fireEvent.click(screen.getByTestId('play-button'));
    await screen.findByTestId('audit-event-id');
    await vi.waitFor(() => expect(wavesurfer.instances).toHaveLength(1));

    const { options } = wavesurfer.instances[0]!;
    const expected = sampleWaveform(first.recordingId!, 282_000, 1000);
    expect(options.peaks).toEqual(expected.peaks);
    expect(options.duration).toBe(282);
    expect(options.splitChannels).toHaveLength(2);
    expect(options.container).toBe(screen.getByTestId('waveform'));
    expect(options.media).toBeInstanceOf(HTMLAudioElement);
    expect(options.media?.getAttribute('src')).toBe(`media://recording/${first.recordingId}`);

    // (By test id: role queries over the whole player are too slow for jsdom on a busy machine.)
    const play = screen.getByTestId('play-button');
    await vi.waitFor(() => expect(play.getAttribute('aria-label')).toBe('Pause'));
    expect(screen.getByTestId('playback-time').textContent).toBe('0:00 / 4:42');

    // Seeking is the player's own (wavesurfer does not seek): a click moves the media element there.
    expect(options.interact).toBe(false);
    pressWaveform(61.4);
    expect(audioElement().currentTime).toBeCloseTo(61.4);
    await vi.waitFor(() => expect(screen.getByTestId('playback-time').textContent).toBe('1:01 / 4:42'));
    fireEvent.keyDown(screen.getByTestId('waveform'), { key: 'ArrowRight' });
    await vi.waitFor(() => expect(screen.getByTestId('playback-time').textContent).toBe('1:06 / 4:42'));

    fireEvent.click(play);
    await vi.waitFor(() => expect(play.getAttribute('aria-label')).toBe('Play'));
    expect(wavesurfer.instances[0]!.playing).toBe(false);
  });

  it('records each seek in the audit log, once the position settles, and stays paused when it cannot', async () => {
    let auditUp = true;
    const { transport } = await renderApp(
      mainWith({
        sessionGet: () => sampleSession(Date.now(), 'FCA-2025-0193'),
        recordingsRecordSeek: ({ positionMs }) => {
          if (!auditUp) throw new FakeIpcError('AUDIT_UNAVAILABLE', 'WORM audit write failed: radosgw unreachable');
          return { auditEventId: `evt-seek-${positionMs}` };
        },
      }),
    );
    const pause = vi.mocked(HTMLMediaElement.prototype.pause);
    await openRecording(first.conversationId);
    fireEvent.click(screen.getByTestId('play-button'));
    await vi.waitFor(() => expect(wavesurfer.instances).toHaveLength(1));
    const pausesBefore = pause.mock.calls.length;

    // A drag reports several positions: the media pauses at once, one seek is recorded, the last one.
    pressWaveform(30);
    pressWaveform(61.4, 'pointerMove');
    expect(pause.mock.calls.length).toBeGreaterThan(pausesBefore);
    const receipt = await screen.findByTestId('seek-audit-event-id');
    expect(receipt.textContent).toBe('Seek to 1:01 recorded: evt-seek-61400');
    expect(transport.callsTo('recordings:recordSeek')).toEqual([{ recordingId: first.recordingId, positionMs: 61_400 }]);

    fireEvent.keyDown(screen.getByTestId('waveform'), { key: 'ArrowRight' });
    await vi.waitFor(() => expect(transport.callsTo('recordings:recordSeek')).toHaveLength(2));
    expect(transport.callsTo('recordings:recordSeek')[1]).toEqual({ recordingId: first.recordingId, positionMs: 66_400 });

    // Home and End go to the start and to the real end (not past it), recorded as where the media is.
    fireEvent.keyDown(screen.getByTestId('waveform'), { key: 'End' });
    await vi.waitFor(() => expect(transport.callsTo('recordings:recordSeek')).toHaveLength(3));
    expect(transport.callsTo('recordings:recordSeek')[2]).toEqual({ recordingId: first.recordingId, positionMs: Math.round(audioElement().currentTime * 1000) });
    expect(audioElement().currentTime).toBe(282);
    fireEvent.keyDown(screen.getByTestId('waveform'), { key: 'Home' });
    await vi.waitFor(() => expect(transport.callsTo('recordings:recordSeek')).toHaveLength(4));
    expect(transport.callsTo('recordings:recordSeek')[3]).toEqual({ recordingId: first.recordingId, positionMs: 0 });

    auditUp = false;
    pressWaveform(120);
    expect((await screen.findByTestId('player-error')).textContent).toContain('Seek not recorded, playback paused: WORM audit write failed');
  });

  it('plays on from a new position only once its seek is acknowledged, and Play after the end is a recorded seek to 0:00', async () => {
    let acknowledge: () => void = () => undefined;
    const { transport } = await renderApp(
      mainWith({
        sessionGet: () => sampleSession(Date.now(), 'FCA-2025-0193'),
        recordingsRecordSeek: async ({ positionMs }) => {
          await new Promise<void>((resolve) => {
            acknowledge = resolve;
          });
          return { auditEventId: `evt-seek-${positionMs}` };
        },
      }),
    );
    await openRecording(first.conversationId);
    fireEvent.click(screen.getByTestId('play-button'));
    await vi.waitFor(() => expect(wavesurfer.instances).toHaveLength(1));
    const player = wavesurfer.instances[0]!;
    const play = vi.spyOn(player as unknown as { play(): Promise<void> }, 'play');
    // Playing when the seek starts, so it resumes afterwards.
    const paused = vi.spyOn(HTMLMediaElement.prototype, 'paused', 'get').mockReturnValue(false);
    fireEvent.keyDown(screen.getByTestId('waveform'), { key: 'ArrowRight' });
    paused.mockReturnValue(true);
    await vi.waitFor(() => expect(transport.callsTo('recordings:recordSeek')).toHaveLength(1));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(play).not.toHaveBeenCalled();
    acknowledge();
    await vi.waitFor(() => expect(play).toHaveBeenCalledTimes(1));

    // Played to the end: Play seeks to 0:00 under a record first, then plays.
    vi.spyOn(HTMLMediaElement.prototype, 'ended', 'get').mockReturnValue(true);
    fireEvent.click(screen.getByTestId('play-button'));
    await vi.waitFor(() => expect(transport.callsTo('recordings:recordSeek')).toHaveLength(2));
    expect(transport.callsTo('recordings:recordSeek')[1]).toEqual({ recordingId: first.recordingId, positionMs: 0 });
    expect(audioElement().currentTime).toBe(0);
    vi.spyOn(HTMLMediaElement.prototype, 'ended', 'get').mockReturnValue(false);
    acknowledge();
    await vi.waitFor(() => expect(play).toHaveBeenCalledTimes(2));
  });

  it('ends the play when the view closes or main says the case changed, and offers a new audited play', async () => {
    let session = sampleSession(Date.now(), 'CASE-A');
    const { transport } = await renderApp(mainWith({ sessionGet: () => session }));
    await openRecording(first.conversationId);
    fireEvent.click(screen.getByTestId('play-button'));
    await vi.waitFor(() => expect(wavesurfer.instances).toHaveLength(1));
    expect(audioElement().getAttribute('controlsList')).toBe('nodownload noplaybackrate');
    expect(audioElement().hasAttribute('controls')).toBe(false);

    session = { ...session, caseReference: 'CASE-B' };
    transport.emit('playback:ended', { recordingId: second.recordingId!, reason: 'case-changed' });
    expect(screen.getByTestId('playback-audio')).toBeTruthy();
    transport.emit('playback:ended', { recordingId: first.recordingId!, reason: 'case-changed' });
    expect((await screen.findByTestId('playback-ended')).textContent).toContain('the case reference changed');
    expect(screen.queryByTestId('playback-audio')).toBeNull();
    await vi.waitFor(() => expect(screen.getByTestId('header-case-reference').textContent).toBe('CASE-B'));

    fireEvent.click(screen.getByTestId('play-button'));
    await vi.waitFor(() => expect(transport.callsTo('recordings:authorizePlayback')).toHaveLength(2));
    expect(transport.callsTo('recordings:endPlayback')).toEqual([]);
    await openRecording(second.conversationId);
    expect(transport.callsTo('recordings:endPlayback')).toEqual([{ recordingId: first.recordingId }]);
  });

  it('refuses playback when the audit log cannot be written, and never gives the audio element a source', async () => {
    const { transport } = await renderApp(
      mainWith({
        sessionGet: () => sampleSession(Date.now(), 'FCA-2025-0193'),
        recordingsAuthorizePlayback: () => {
          throw new FakeIpcError('AUDIT_UNAVAILABLE', 'WORM audit write failed: radosgw returned 503 Slow Down');
        },
      }),
    );
    await openRecording(first.conversationId);
    fireEvent.click(screen.getByTestId('play-button'));

    const refusal = await screen.findByTestId('playback-refused');
    expect(refusal.getAttribute('role')).toBe('alert');
    expect(refusal.textContent).toContain(
      'Playback refused: the access could not be recorded in the WORM audit log. Nothing was played.',
    );
    expect(refusal.textContent).toContain('radosgw returned 503 Slow Down');
    expect(transport.callsTo('recordings:getWaveform')).toEqual([]);
    expect(wavesurfer.instances).toHaveLength(0);
    expect(screen.queryByTestId('audit-event-id')).toBeNull();
    for (const media of document.querySelectorAll('audio, video')) expect(media.hasAttribute('src')).toBe(false);
    expect(document.querySelectorAll('audio')).toHaveLength(0);
  });

  it('opens the case-reference dialog when main says one is required', async () => {
    let required = true;
    const { transport } = await renderApp(
      mainWith({
        sessionGet: () => sampleSession(Date.now(), 'STALE-REF'),
        recordingsAuthorizePlayback: ({ recordingId }) => {
          if (required) throw new FakeIpcError('CASE_REFERENCE_REQUIRED', 'no case reference for this session');
          return sampleGrant(recordingId);
        },
        sessionSetCaseReference: ({ caseReference }) => {
          required = false;
          return sampleSession(Date.now(), caseReference);
        },
      }),
    );
    await openRecording(first.conversationId);
    fireEvent.click(screen.getByTestId('play-button'));
    await screen.findByTestId('case-reference-dialog');
    fireEvent.change(screen.getByTestId('case-reference-input'), { target: { value: 'INT-77' } });
    fireEvent.click(screen.getByTestId('case-reference-submit'));
    await screen.findByTestId('audit-event-id');
    expect(transport.callsTo('recordings:authorizePlayback')).toHaveLength(2);
  });

  it('a play still streaming in: "verifying…", progressive peaks, then the hash; a failed check stops playback and says what to do', async () => {
    const { transport } = await renderApp(
      mainWith({
        sessionGet: () => sampleSession(Date.now(), 'FCA-2025-0193'),
        recordingsAuthorizePlayback: ({ recordingId }) => ({ ...sampleGrant(recordingId), sha256: null, integrity: 'pending' }),
        recordingsGetWaveform: ({ recordingId, buckets }) => ({ ...sampleWaveform(recordingId, 282_000, buckets), complete: false }),
      }),
    );
    await openRecording(first.conversationId);
    fireEvent.click(screen.getByTestId('play-button'));
    expect((await screen.findByTestId('recording-sha256-pending')).textContent).toContain('verifying…');
    // Peaks are asked for again while the recording streams in, and redrawn in place.
    await vi.waitFor(() => expect(transport.callsTo('recordings:getWaveform').length).toBeGreaterThanOrEqual(2), { timeout: 3000 });
    expect(transport.callsTo('recordings:getWaveform')[1]).toEqual({ recordingId: first.recordingId, fromMs: 0, toMs: 282_000, buckets: 1000 });
    expect(wavesurfer.instances).toHaveLength(1);

    transport.emit('playback:mediaStatus', { recordingId: first.recordingId!, state: 'verified', bytesLanded: 10, totalBytes: 10, sha256: 'ab'.repeat(32), message: null });
    expect((await screen.findByTestId('recording-sha256')).textContent).toBe('ab'.repeat(32));

    transport.emit('playback:mediaStatus', { recordingId: first.recordingId!, state: 'failed', bytesLanded: 10, totalBytes: 10, sha256: null, message: 'SHA-256 mismatch' });
    const ended = await screen.findByTestId('playback-ended');
    expect(ended.textContent).toContain('Playback stopped: the recording failed its integrity check (SHA-256 mismatch)');
    expect(ended.textContent).toContain('Press Play again');
    expect(screen.queryByTestId('playback-audio')).toBeNull();
  });

  it('gives the panes beside it regions, the A–B selection and the loop; shortcuts work in the view but not while typing', async () => {
    const selected = vi.fn();
    const seeks: Array<number> = [];
    function Pane() {
      const player = usePlayer()!;
      return (
        <div>
          <button type="button" data-testid="pane-regions" onClick={() => player.showRegions('notes', [{ id: 'n1', label: 'Trade confirmed', kind: 'annotation', range: { fromMs: 30_000, toMs: 40_000 }, onSelect: selected }])}>
            regions
          </button>
          <button type="button" data-testid="pane-loop" onClick={() => player.loop({ fromMs: 10_000, toMs: 20_000 })}>
            loop
          </button>
          <input data-testid="pane-input" />
          <span data-testid="pane-selection">{JSON.stringify(player.selection)}</span>
        </div>
      );
    }
    render(
      <section>
        <WaveformPlayer
          media={{ recordingId: 'rec-1', mediaUrl: 'media://recording/rec-1', durationMs: 282_000 }}
          waveform={sampleWaveform('rec-1')}
          loadWaveform={async (window) => ({ ...sampleWaveform('rec-1', 282_000, window.buckets), ...window })}
          onError={() => undefined}
          onMediaFailed={() => undefined}
          onSeek={async (positionMs) => {
            seeks.push(positionMs);
          }}
          startedAtMs={Date.UTC(2026, 0, 5, 9, 0, 0)}
        >
          <Pane />
        </WaveformPlayer>
        <p data-testid="elsewhere-in-view">metadata</p>
      </section>,
    );
    fireEvent.click(screen.getByTestId('pane-regions'));
    const region = await screen.findByTestId('waveform-region');
    expect(region.getAttribute('aria-label')).toBe('Trade confirmed');
    fireEvent.click(region);
    expect(selected).toHaveBeenCalledTimes(1);

    fireEvent.click(screen.getByTestId('pane-loop'));
    expect(screen.getByTestId('pane-selection').textContent).toBe('{"fromMs":10000,"toMs":20000}');
    expect(screen.getByTestId('player').getAttribute('data-looping')).toBe('true');
    expect(screen.getByTestId('loop-range').textContent).toBe('0:10–0:20');
    // Looping starts from A, through the audited seek path.
    await vi.waitFor(() => expect(seeks).toEqual([10_000]));

    // Keys typed into a pane's field are text; elsewhere in the view they are shortcuts.
    fireEvent.keyDown(screen.getByTestId('pane-input'), { key: 'l' });
    fireEvent.keyDown(screen.getByTestId('elsewhere-in-view'), { key: '+' });
    expect(screen.getByTestId('player').getAttribute('data-zoom')).toBe('1');
    fireEvent.keyDown(screen.getByTestId('elsewhere-in-view'), { key: 'l' });
    await vi.waitFor(() => expect(seeks).toEqual([10_000, 15_000]));
    fireEvent.keyDown(screen.getByTestId('elsewhere-in-view'), { key: 'M' });
    expect(screen.getByTestId('player').getAttribute('data-muted')).toBe('true');
    expect(audioElement().muted).toBe(true);
    // The playhead's wall-clock time, in both clocks.
    expect(screen.getByTestId('playhead-wallclock').textContent).toContain('2026-01-05 09:00:15 UTC');
  });
});
