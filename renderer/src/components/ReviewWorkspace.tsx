import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import type { ReviewSession, Waveform } from '../../../shared/domain';
import type { ReviewPack, ReviewPlayback } from '../../../shared/ipc/channels/review';
import type { PackRecording } from '../../../shared/pack-format';
import { AnnotationsPanel } from './AnnotationsPanel';
import { describeOperator } from '../../../shared/operator-label';
import { formatClock } from '../../../shared/quantities';
import { useCustodyApi } from '../api';
import { attempts, logIfUnexpected, toUiError, type UiError } from '../errors';
import { formatDurationMs } from '../format';
import { WallClock } from '../time-display';
import { ErrorAlert } from './ErrorAlert';
import { TranscriptPane } from './TranscriptPane';
import { WaveformPlayer } from './WaveformPlayer';

/** Peaks per channel asked of main, as in the officer's app; the player asks finer windows when zoomed. */
const waveformBuckets = 1000;

type Loaded = { kind: 'loading' } | { kind: 'loaded'; pack: ReviewPack } | { kind: 'failed'; error: UiError };
type Playback =
  | { kind: 'idle' }
  | { kind: 'authorizing' }
  | { kind: 'loading-waveform'; grant: ReviewPlayback }
  | { kind: 'ready'; grant: ReviewPlayback; waveform: Waveform }
  | { kind: 'failed'; error: UiError };

/** The sealed review of one evidence pack: its verification, its recordings, their metadata and custody trail. */
export function ReviewWorkspace({ review }: { review: ReviewSession }) {
  const api = useCustodyApi();
  const [loaded, setLoaded] = useState<Loaded>({ kind: 'loading' });
  const [openId, setOpenId] = useState<string | null>(null);

  useEffect(() => {
    let current = true;
    async function load() {
      try {
        const pack = await api.reviewGetPack({});
        if (current) setLoaded({ kind: 'loaded', pack });
      } catch (caught) {
        if (current) setLoaded({ kind: 'failed', error: toUiError(caught) });
        await logIfUnexpected(api, 'review', caught);
      }
    }
    void load();
    return () => {
      current = false;
    };
  }, [api]);

  if (loaded.kind === 'loading') return <main className="review" data-testid="review-workspace"><p className="empty-state">Opening the pack…</p></main>;
  if (loaded.kind === 'failed') return <main className="review" data-testid="review-workspace"><ErrorAlert error={loaded.error} testId="review-error" /></main>;
  const { pack } = loaded;
  const open = pack.recordings.find((r) => r.recordingId === openId) ?? null;

  return (
    <main className="review" data-testid="review-workspace">
      <VerificationBanner pack={pack} review={review} />
      <div className="review__body">
        <section className="panel" aria-label="Recordings in the pack">
          <div className="panel__header">
            <h2 className="panel__title">Recordings</h2>
            <p className="panel__meta">{pack.recordings.length} in pack {pack.packId ?? ''}</p>
          </div>
          <div className="table-scroll">
            <table className="results-table" data-testid="review-recordings">
              <thead>
                <tr>
                  <th scope="col">Start</th>
                  <th scope="col">Trading ID</th>
                  <th scope="col">Client account</th>
                  <th scope="col">Agent</th>
                  <th scope="col">Source</th>
                  <th scope="col" className="num">Audio</th>
                </tr>
              </thead>
              <tbody>
                {pack.recordings.map((r) => (
                  <tr
                    key={r.recordingId}
                    data-testid="review-row"
                    data-recording-id={r.recordingId}
                    tabIndex={0}
                    aria-current={r.recordingId === openId ? 'true' : undefined}
                    onClick={() => setOpenId(r.recordingId)}
                    onKeyDown={(e) => {
                      if (e.key === 'Enter') setOpenId(r.recordingId);
                    }}
                  >
                    <td className="nowrap">
                      <WallClock iso={r.startTime} />
                    </td>
                    <td className="mono">{r.tradingId ?? <span className="badge badge--missing">Missing</span>}</td>
                    <td className="mono">{r.clientAccount ?? '—'}</td>
                    <td>{r.agent ?? '—'}</td>
                    <td>{r.source}</td>
                    <td className="num">{formatDurationMs(r.wav.durationMs)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
        {open ? <ReviewRecording key={open.recordingId} recording={open} pack={pack} /> : (
          <section className="panel recording-view--empty"><p className="empty-state">Select a recording to see its metadata and custody trail, and to play it.</p></section>
        )}
      </div>
    </main>
  );
}

function VerificationBanner({ pack, review }: { pack: ReviewPack; review: ReviewSession }) {
  const { verification, signer } = pack;
  const untrusted = signer.trust === 'untrusted';
  const verified = verification.ok && !untrusted;
  return (
    <section
      className={verified ? 'review-banner review-banner--ok' : 'review-banner review-banner--tampered'}
      data-testid="review-verification"
      data-verified={verified}
      data-trust={signer.trust}
    >
      <p className="review-banner__title">
        {untrusted
          ? `UNTRUSTED — signed by key ${signer.fingerprint ?? '—'}, which is not a trusted key (not this installation's, not pinned, not published by the firm). What this pack contains cannot be relied on.`
          : verified
            ? <>Pack verified: manifests, signature (key {shortKey(pack.signingKeyId)}, signed {pack.signedAt ? <WallClock iso={pack.signedAt} /> : '—'}), audit proofs and audio.</>
            : `THIS PACK FAILED VERIFICATION — ${verification.problems.length} problem(s). What it contains cannot be relied on.`}
      </p>
      {untrusted ? (
        <p className="review-banner__meta">
          Compare this fingerprint with the firm&apos;s published key (<span className="mono">custody audit key</span>, or the audit bucket&apos;s{' '}
          <span className="mono">keys/</span> object); only if they match, reopen with <span className="mono">--trusted-key</span>.
        </p>
      ) : null}
      <p className="review-banner__meta">
        Case <span className="mono">{pack.caseReference ?? '—'}</span> · built {pack.builtAt ? <WallClock iso={pack.builtAt} /> : '—'} by {pack.builtBy ?? '—'} · export audit event{' '}
        <span className="mono">{pack.exportEventId ?? '—'}</span> · read-only review by {review.reviewer}; every view, play, seek and transcript read is journaled
      </p>
      {!verification.ok ? (
        <ul className="review-banner__problems" data-testid="review-problems">
          {verification.problems.slice(0, 20).map((p, i) => (
            <li key={i}>
              <span className="mono">{p.file}</span>: {p.problem}
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}

function ReviewRecording({ recording, pack }: { recording: PackRecording; pack: ReviewPack }) {
  const api = useCustodyApi();
  const titleId = useId();
  const { recordingId } = recording;
  const [playback, setPlayback] = useState<Playback>({ kind: 'idle' });
  const [playerError, setPlayerError] = useState<string | null>(null);
  const [lastSeek, setLastSeek] = useState<{ positionMs: number; journalSeq: number } | null>(null);
  const granted = useRef(false);

  // Closing the recording ends its play: main revokes the grant, so its media URL stops working.
  useEffect(() => {
    return () => {
      if (granted.current) void api.recordingsEndPlayback({ recordingId }).catch((caught: unknown) => logIfUnexpected(api, 'end-playback', caught));
    };
  }, [api, recordingId]);

  useEffect(() => {
    void (async () => {
      try {
        await api.reviewRecordView({ recordingId });
      } catch (caught) {
        await logIfUnexpected(api, 'review-view', caught);
      }
    })();
  }, [api, recordingId]);

  async function play() {
    setPlayback({ kind: 'authorizing' });
    setPlayerError(null);
    setLastSeek(null);
    try {
      const grant = await api.reviewAuthorizePlayback({ recordingId });
      granted.current = true;
      setPlayback({ kind: 'loading-waveform', grant });
      const waveform = await api.reviewGetWaveform({ recordingId, buckets: waveformBuckets });
      setPlayback({ kind: 'ready', grant, waveform });
    } catch (caught) {
      setPlayback({ kind: 'failed', error: toUiError(caught) });
      await logIfUnexpected(api, 'review-play', caught);
    }
  }

  /** The player waits on this before playing on from the new position: the seek is journaled first. */
  async function recordSeek(positionMs: number) {
    const { journalSeq } = await api.reviewRecordSeek({ recordingId, positionMs });
    setLastSeek({ positionMs, journalSeq });
  }

  const trail = pack.events.filter((e) => recording.auditSeqs.includes(e.seq));
  const facts: Array<[string, ReactNode]> = [
    ['Conversation ID', recording.conversationId],
    ['Recording ID', recordingId],
    ['Trading ID', recording.tradingId ?? 'MISSING'],
    ['Client account', recording.clientAccount ?? '—'],
    ['Agent', recording.agent ?? '—'],
    ['Queue', recording.queue ?? '—'],
    ['Direction', recording.direction ?? '—'],
    ['Start', <WallClock iso={recording.startTime} />],
    ['End', recording.endTime ? <WallClock iso={recording.endTime} /> : '—'],
    ['Participants', recording.participants.map((p) => `${p.purpose}: ${p.name ?? p.userId ?? 'unknown'}`).join('; ') || '—'],
    ['Source', recording.source === 'archive' ? 'WORM archive' : 'Genesys Cloud'],
    ['Original SHA-256', recording.original.sha256],
  ];
  const pending = playback.kind === 'authorizing' || playback.kind === 'loading-waveform';
  return (
    <section className="panel recording-view" aria-labelledby={titleId} data-testid="review-recording">
      <div className="panel__header">
        <h2 className="panel__title" id={titleId}>
          Recording <span className="panel__title-detail mono">{recording.tradingId ?? 'no trading ID'}</span>
        </h2>
      </div>
      <div className="playback">
        <h3 className="section-title">Playback</h3>
        {playback.kind === 'ready' ? (
          // The app's own player: no native controls, no download, no export of any kind (review adds none), no context menu.
          <div data-testid="review-player" onContextMenu={(event) => event.preventDefault()}>
            <WaveformPlayer
              media={playback.grant}
              waveform={playback.waveform}
              loadWaveform={(window) => api.reviewGetWaveform({ recordingId, ...window })}
              onSeek={recordSeek}
              onError={setPlayerError}
              onMediaFailed={(message) => {
                setPlayback({ kind: 'idle' });
                setPlayerError(`Playback stopped: ${message}. Press Play to start a new journaled play.`);
              }}
              startedAtMs={Date.parse(recording.startTime)}
            >
              <TranscriptPane recordingId={recordingId} loadTranscript={() => api.reviewGetTranscript({ recordingId })} />
              <AnnotationsPanel recordingId={recordingId} readOnly annotations={recording.annotations ?? []} />
            </WaveformPlayer>
          </div>
        ) : (
          <button type="button" className="button button--primary button--play" data-testid="review-play" disabled={pending} onClick={play}>
            <span className="icon icon--play" aria-hidden="true" />
            {playback.kind === 'authorizing' ? 'Journaling…' : playback.kind === 'loading-waveform' ? 'Loading waveform…' : 'Play'}
          </button>
        )}
        {playback.kind === 'failed' ? <ErrorAlert error={playback.error} attempt={attempts.play} testId="review-play-error" /> : null}
        {playerError ? (
          <p className="field__problem" role="alert" data-testid="review-player-error">
            {playerError}
          </p>
        ) : null}
        {playback.kind === 'ready' ? (
          <p className="muted" data-testid="review-journal-seq">
            Play journaled as entry {playback.grant.journalSeq}
            {lastSeek ? (
              <span data-testid="review-seek-journal" data-journal-seq={lastSeek.journalSeq} data-position-ms={lastSeek.positionMs}>
                ; seek to {formatClock(lastSeek.positionMs / 1000)} journaled as entry {lastSeek.journalSeq}
              </span>
            ) : null}
            .
          </p>
        ) : null}
      </div>
      <dl className="meta">
        {facts.map(([label, value]) => (
          <div className="meta__row" key={label}>
            <dt>{label}</dt>
            <dd className="mono">{value}</dd>
          </div>
        ))}
      </dl>
      {/* While it plays, the panel sits with the player (its ranges drawn on the waveform); otherwise here. */}
      {playback.kind === 'ready' ? null : <AnnotationsPanel recordingId={recording.recordingId} readOnly annotations={recording.annotations ?? []} />}
      <div className="participants">
        <h3 className="section-title">Custody trail</h3>
        <table className="results-table" data-testid="review-trail">
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Action</th>
              <th scope="col">Operator</th>
              <th scope="col">Workstation</th>
              <th scope="col">Case</th>
            </tr>
          </thead>
          <tbody>
            {trail.map((e) => (
              <tr key={e.seq}>
                <td className="nowrap">
                  <WallClock iso={e.time} />
                </td>
                <td>{e.action}</td>
                <td>{describeOperator(e.operator)}</td>
                <td>{e.workstation.hostname}</td>
                <td className="mono">{e.caseReference ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function shortKey(keyId: string | null): string {
  return keyId ? `${keyId.slice(0, 12)}…` : '—';
}
