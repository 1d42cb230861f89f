// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CustodyApi } from '../../../shared/ipc/client';
import type { TranscriptPhrase, TranscriptView } from '../../../shared/transcripts';
import { CustodyApiProvider } from '../../../renderer/src/api';
import { TranscriptPane } from '../../../renderer/src/components/TranscriptPane';
import { PlayerContext, type PlayerHandle } from '../../../renderer/src/player/player-context';

afterEach(cleanup);

const phrase = (startMs: number, durationMs: number, speaker: TranscriptPhrase['speaker'], text: string): TranscriptPhrase => ({
  speaker,
  text,
  startMs,
  durationMs,
  words: [],
  confidence: 0.9,
});

const transcript: TranscriptView = {
  available: true,
  recordingId: 'rec-1',
  conversationId: 'conv-1',
  communicationId: 'comm-1',
  language: 'en-US',
  phrases: [
    phrase(500, 2_000, 'agent', 'FX desk, Ann speaking.'),
    phrase(3_000, 2_500, 'client', 'Can you show me euro dollar in ten million?'),
    phrase(6_000, 2_000, 'agent', 'Sure. I can offer you one point zero eight.'),
    phrase(9_000, 3_000, 'client', 'OK, I buy ten million euro dollar at that price.'),
  ],
  auditEventId: 'evt-transcript',
};

function player(positionMs: number, overrides: Partial<PlayerHandle> = {}): PlayerHandle {
  return {
    recordingId: 'rec-1',
    durationMs: 60_000,
    positionMs,
    playing: true,
    startedAtMs: Date.now(),
    seekTo: vi.fn(),
    selection: null,
    setSelection: vi.fn(),
    loop: vi.fn(),
    showRegions: vi.fn(),
    ...overrides,
  };
}

function renderPane(handle: PlayerHandle | null, api: Partial<CustodyApi> = { transcriptsGet: vi.fn(async () => transcript) }, loadTranscript?: () => Promise<TranscriptView>) {
  const tree = (value: PlayerHandle | null) => (
    <CustodyApiProvider api={api as CustodyApi}>
      <PlayerContext.Provider value={value}>
        <TranscriptPane recordingId="rec-1" {...(loadTranscript ? { loadTranscript } : {})} />
      </PlayerContext.Provider>
    </CustodyApiProvider>
  );
  const result = render(tree(handle));
  return { ...result, update: (value: PlayerHandle | null) => result.rerender(tree(value)) };
}

const phrases = () => screen.getAllByTestId('transcript-phrase');
const currentText = () => phrases().find((li) => li.getAttribute('aria-current') === 'true')?.textContent ?? null;

describe('TranscriptPane', () => {
  it('loads the transcript through the API, labels Agent and Client, and follows playback', async () => {
    const api = { transcriptsGet: vi.fn(async () => transcript) };
    const { update } = renderPane(player(0), api);
    await screen.findByTestId('transcript-phrases');
    expect(api.transcriptsGet).toHaveBeenCalledWith({ recordingId: 'rec-1' });
    expect(phrases().map((li) => within(li).getByText(/^(Agent|Client)$/).textContent)).toEqual(['Agent', 'Client', 'Agent', 'Client']);
    expect(currentText()).toBeNull();

    update(player(3_100));
    expect(currentText()).toContain('Can you show me euro dollar');
    update(player(9_500));
    expect(currentText()).toContain('I buy ten million');
    update(player(5_800)); // between phrases: none is being spoken
    expect(currentText()).toBeNull();
  });

  it('seeks through the player when a phrase is clicked', async () => {
    const handle = player(0);
    renderPane(handle);
    await screen.findByTestId('transcript-phrases');
    fireEvent.click(within(phrases()[2] as HTMLElement).getByRole('button'));
    expect(handle.seekTo).toHaveBeenCalledWith(6_000);
  });

  it('finds within the call: matches highlighted, next and previous, marked on the waveform', async () => {
    const handle = player(0);
    renderPane(handle);
    await screen.findByTestId('transcript-phrases');
    fireEvent.change(screen.getByTestId('transcript-find'), { target: { value: 'EURO dollar' } });
    expect(screen.getByTestId('transcript-find-count').textContent).toBe('1 of 2');
    expect(document.querySelectorAll('mark')).toHaveLength(2);
    const matched = () => phrases().findIndex((li) => li.className.includes('transcript__phrase--match'));
    expect(matched()).toBe(1);
    fireEvent.click(screen.getByRole('button', { name: 'Next match' }));
    expect(screen.getByTestId('transcript-find-count').textContent).toBe('2 of 2');
    expect(matched()).toBe(3);
    fireEvent.click(screen.getByRole('button', { name: 'Next match' }));
    expect(matched()).toBe(1);
    fireEvent.keyDown(screen.getByTestId('transcript-find'), { key: 'Enter', shiftKey: true });
    expect(matched()).toBe(3);
    expect(handle.showRegions).toHaveBeenLastCalledWith('transcript', [
      expect.objectContaining({ range: { fromMs: 3_000, toMs: 5_500 }, kind: 'transcript-hit' }),
      expect.objectContaining({ range: { fromMs: 9_000, toMs: 12_000 }, kind: 'transcript-hit' }),
    ]);
    fireEvent.change(screen.getByTestId('transcript-find'), { target: { value: 'sterling' } });
    expect(screen.getByTestId('transcript-find-count').textContent).toBe('no match');
  });

  it('says plainly when the org has no speech analytics, and reads a review pack through its own loader', async () => {
    const api = { transcriptsGet: vi.fn() };
    const message = 'Genesys has no transcripts for this org: speech and text analytics is not enabled.';
    renderPane(null, api, async () => ({ available: false, recordingId: 'rec-1', reason: 'no-speech-analytics', message }));
    expect((await screen.findByTestId('transcript-unavailable')).textContent).toBe(message);
    expect(api.transcriptsGet).not.toHaveBeenCalled();
  });
});
