import { useEffect, useEffectEvent, useId, useMemo, useRef, useState, type ReactNode } from 'react';
import { formatClock } from '../../../shared/quantities';
import type { TranscriptPhrase, TranscriptSpeaker, TranscriptView } from '../../../shared/transcripts';
import { useCustodyApi } from '../api';
import { toUiError, type UiError } from '../errors';
import { usePlayer, type PlayerRegion } from '../player/player-context';
import { ErrorAlert } from './ErrorAlert';

const SPEAKER_LABEL: Record<TranscriptSpeaker, string> = { agent: 'Agent', client: 'Client', unknown: 'Speaker' };

type Loaded = { kind: 'loading' } | { kind: 'loaded'; view: TranscriptView } | { kind: 'failed'; error: UiError };

type TranscriptPaneProps = {
  recordingId: string;
  /** Where the transcript comes from: by default Genesys through main (an audited read); review mode reads the pack. */
  loadTranscript?: () => Promise<TranscriptView>;
};

/** The phrase being spoken at `positionMs`, or -1 between phrases. */
export function currentPhraseIndex(phrases: ReadonlyArray<TranscriptPhrase>, positionMs: number): number {
  return phrases.findIndex((p) => positionMs >= p.startMs && positionMs < p.startMs + Math.max(p.durationMs, 1));
}

/**
 * The call's transcript beside the player: the phrase being played is highlighted and kept in view, a click
 * on a phrase seeks there (the player's audited seek), and "Find in call" highlights matches with next/previous.
 */
export function TranscriptPane({ recordingId, loadTranscript }: TranscriptPaneProps) {
  const api = useCustodyApi();
  const player = usePlayer();
  const titleId = useId();
  const [loaded, setLoaded] = useState<Loaded>({ kind: 'loading' });
  const [find, setFind] = useState('');
  const [activeMatch, setActiveMatch] = useState(0);
  const currentRef = useRef<HTMLLIElement | null>(null);
  const activeRef = useRef<HTMLLIElement | null>(null);
  const fetchTranscript = useEffectEvent(() => (loadTranscript ? loadTranscript() : api.transcriptsGet({ recordingId })));

  // One pane per play (the player renders it for its grant), so it loads once, when it appears.
  useEffect(() => {
    let current = true;
    async function load() {
      try {
        const view = await fetchTranscript();
        if (current) setLoaded({ kind: 'loaded', view });
      } catch (error) {
        if (current) setLoaded({ kind: 'failed', error: toUiError(error) });
      }
    }
    void load();
    return () => {
      current = false;
    };
  }, [recordingId]);

  const phrases = useMemo(() => (loaded.kind === 'loaded' && loaded.view.available ? loaded.view.phrases : []), [loaded]);
  const needle = find.trim().toLowerCase();
  const matches = useMemo(
    () => (needle === '' ? [] : phrases.flatMap((p, i) => (p.text.toLowerCase().includes(needle) ? [i] : []))),
    [phrases, needle],
  );
  const active = matches.length > 0 ? matches[Math.min(activeMatch, matches.length - 1)] : undefined;
  const current = player ? currentPhraseIndex(phrases, player.positionMs) : -1;

  // Braces: Chromium's scrollIntoView returns a promise, which React would take for the effect's cleanup.
  useEffect(() => {
    currentRef.current?.scrollIntoView?.({ block: 'nearest' });
  }, [current]);
  useEffect(() => {
    activeRef.current?.scrollIntoView?.({ block: 'nearest' });
  }, [active]);
  // Matches are marked on the waveform too, so the officer sees where in the call they fall. Only when they
  // change: the player's handle is a new object at each of its renders.
  const markMatches = useEffectEvent((regions: ReadonlyArray<PlayerRegion>) => player?.showRegions('transcript', regions));
  useEffect(() => {
    markMatches(
      matches.map((i) => {
        const p = phrases[i] as TranscriptPhrase;
        return { id: `transcript-${i}`, range: { fromMs: p.startMs, toMs: p.startMs + p.durationMs }, label: p.text, kind: 'transcript-hit' as const };
      }),
    );
  }, [matches, phrases]);

  const step = (delta: number) => matches.length > 0 && setActiveMatch((i) => (Math.min(i, matches.length - 1) + delta + matches.length) % matches.length);

  let body: ReactNode;
  if (loaded.kind === 'loading') body = <p className="muted">Loading the transcript…</p>;
  else if (loaded.kind === 'failed') body = <ErrorAlert error={loaded.error} />;
  else if (!loaded.view.available) {
    body = (
      <p className="transcript__unavailable" role="status" data-testid="transcript-unavailable">
        {loaded.view.message}
      </p>
    );
  } else if (phrases.length === 0) body = <p className="muted">The transcript has no phrases.</p>;
  else {
    body = (
      <ol className="transcript__phrases" data-testid="transcript-phrases">
        {phrases.map((phrase, index) => {
          const isCurrent = index === current;
          const isActive = index === active;
          return (
            <li
              key={`${phrase.startMs}-${index}`}
              ref={isCurrent ? currentRef : isActive ? activeRef : undefined}
              className={`transcript__phrase transcript__phrase--${phrase.speaker}${isCurrent ? ' transcript__phrase--current' : ''}${isActive ? ' transcript__phrase--match' : ''}`}
              aria-current={isCurrent ? 'true' : undefined}
              data-testid="transcript-phrase"
            >
              <button
                type="button"
                className="transcript__seek"
                disabled={!player}
                onClick={() => player?.seekTo(phrase.startMs)}
                title={player ? `Play from ${formatClock(phrase.startMs / 1000)}` : 'Press Play first'}
              >
                <span className="transcript__time mono">{formatClock(phrase.startMs / 1000)}</span>
                <span className="transcript__speaker">{SPEAKER_LABEL[phrase.speaker]}</span>
                <span className="transcript__text">{highlight(phrase.text, needle)}</span>
              </button>
            </li>
          );
        })}
      </ol>
    );
  }

  return (
    <section className="transcript" aria-labelledby={titleId} data-testid="transcript-pane">
      <div className="transcript__header">
        <h4 className="section-title" id={titleId}>
          Transcript <span className="muted">(Genesys speech analytics)</span>
        </h4>
        {phrases.length > 0 && (
          <div className="transcript__find" role="search">
            <input
              type="search"
              aria-label="Find in call"
              placeholder="Find in call"
              value={find}
              data-testid="transcript-find"
              onChange={(event) => {
                setFind(event.target.value);
                setActiveMatch(0);
              }}
              onKeyDown={(event) => {
                // Keys typed here are the officer's words, not the player's shortcuts.
                event.stopPropagation();
                if (event.key === 'Enter') step(event.shiftKey ? -1 : 1);
              }}
            />
            <span className="muted" role="status" data-testid="transcript-find-count">
              {needle === '' ? '' : matches.length === 0 ? 'no match' : `${matches.indexOf(active as number) + 1} of ${matches.length}`}
            </span>
            <button type="button" className="button" disabled={matches.length === 0} onClick={() => step(-1)} aria-label="Previous match">
              ↑
            </button>
            <button type="button" className="button" disabled={matches.length === 0} onClick={() => step(1)} aria-label="Next match">
              ↓
            </button>
          </div>
        )}
      </div>
      {body}
    </section>
  );
}

/** The text with each occurrence of `needle` marked (React escapes the text itself). */
function highlight(text: string, needle: string): ReactNode {
  if (needle === '') return text;
  const parts: Array<ReactNode> = [];
  const lower = text.toLowerCase();
  let from = 0;
  for (let at = lower.indexOf(needle); at !== -1; at = lower.indexOf(needle, from)) {
    parts.push(text.slice(from, at), <mark key={at}>{text.slice(at, at + needle.length)}</mark>);
    from = at + needle.length;
  }
  parts.push(text.slice(from));
  return parts;
}
