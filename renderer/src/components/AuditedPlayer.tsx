import { useEffect, useEffectEvent, useRef, useState, type ReactNode } from 'react';
import type { PlaybackGrant, SessionInfo, Waveform } from '../../../shared/domain';
import { formatClock } from '../../../shared/quantities';
import { useCustodyApi } from '../api';
import { attempts, isCustodyError, logIfUnexpected, toUiError, type UiError } from '../errors';
import { CaseReferenceDialog } from './CaseReferenceDialog';
import { ErrorAlert, ErrorBody } from './ErrorAlert';
import { WaveformPlayer } from './WaveformPlayer';

/** Peaks per channel asked of main; wavesurfer resamples them to the drawn width. */
const waveformBuckets = 1000;

type Playback =
  | { kind: 'idle' }
  | { kind: 'asking-case-reference' }
  | { kind: 'authorizing' }
  | { kind: 'loading-waveform'; grant: PlaybackGrant }
  | { kind: 'ready'; grant: PlaybackGrant; waveform: Waveform }
  | { kind: 'refused'; error: UiError }
  /** Main stopped serving the play (case changed, grant expired): a new play needs a new audit record. */
  | { kind: 'ended'; message: string }
  | { kind: 'failed'; error: UiError; grant: PlaybackGrant | null };

type AuditedPlayerProps = {
  /** Null when the conversation has no recording: nothing to play. */
  recordingId: string | null;
  /** The recording's wall-clock start, for the player's wall-clock playhead. */
  startedAtMs: number;
  caseReference: string | null;
  onSessionChange(session: SessionInfo): void;
  /** Panes that follow the playhead (transcript, annotations), shown once the play is granted. */
  children?: ReactNode;
  /** Start the play as it opens (the officer pressed Play on the trade timeline): the same case question and audit first. */
  autoStart?: boolean;
};

/**
 * The one audited play flow (the recording view, the trade timeline): the case reference first, the
 * WORM audit record before any media, then the waveform player; ends the play when it unmounts.
 */
export function AuditedPlayer({ recordingId, startedAtMs, caseReference, onSessionChange, children, autoStart = false }: AuditedPlayerProps) {
  const api = useCustodyApi();
  const [playback, setPlayback] = useState<Playback>({ kind: 'idle' });
  const [playerError, setPlayerError] = useState<string | null>(null);
  const [lastSeek, setLastSeek] = useState<{ positionMs: number; auditEventId: string } | null>(null);
  /** The hash of a play that began while the recording was still streaming in, once main has verified it. */
  const [verifiedSha256, setVerifiedSha256] = useState<string | null>(null);
  const granted = useRef(false);

  // Closing the view ends its play: main revokes the grant, so its media URL stops working.
  useEffect(() => {
    if (!recordingId) return;
    return () => {
      if (granted.current) void api.recordingsEndPlayback({ recordingId }).catch((caught: unknown) => logIfUnexpected(api, 'end-playback', caught));
    };
  }, [api, recordingId]);

  const refreshSession = useEffectEvent(async () => {
    try {
      onSessionChange(await api.sessionGet({}));
    } catch (caught) {
      await logIfUnexpected(api, 'session', caught);
    }
  });

  // Main ended this play (the case reference or the officer changed): stop showing a player whose media is gone.
  useEffect(
    () =>
      api.on('playback:ended', (event) => {
        if (event.recordingId !== recordingId) return;
        setPlayback((current) =>
          'grant' in current && current.grant
            ? {
                kind: 'ended',
                message:
                  event.reason === 'officer-changed'
                    ? 'Playback stopped: the signed-in officer changed. Press Play to start a new play, recorded under the officer now signed in.'
                    : event.reason === 'integrity-failed'
                      ? integrityFailedMessage(null)
                      : 'Playback stopped: the case reference changed. Press Play to start a new play, recorded under the new case.',
              }
            : current,
        );
        void refreshSession();
      }),
    [api, recordingId],
  );

  // A play that started while the recording was streaming in: its hash is known once the last byte lands.
  useEffect(
    () =>
      api.on('playback:mediaStatus', (status) => {
        if (status.recordingId !== recordingId) return;
        if (status.state === 'verified' && status.sha256) setVerifiedSha256(status.sha256);
        if (status.state === 'failed') {
          setPlayback((current) => ('grant' in current && current.grant ? { kind: 'ended', message: integrityFailedMessage(status.message) } : current));
        }
      }),
    [api, recordingId],
  );

  async function authorize(id: string) {
    setPlayback({ kind: 'authorizing' });
    setPlayerError(null);
    setLastSeek(null);
    setVerifiedSha256(null);
    let grant: PlaybackGrant;
    try {
      grant = await api.recordingsAuthorizePlayback({ recordingId: id });
    } catch (caught) {
      if (isCustodyError(caught, 'AUDIT_UNAVAILABLE')) {
        setPlayback({ kind: 'refused', error: toUiError(caught) });
      } else if (isCustodyError(caught, 'CASE_REFERENCE_REQUIRED')) {
        setPlayback({ kind: 'asking-case-reference' });
      } else if (isCustodyError(caught, 'ARCHIVED') && caught.details?.location === 'archive') {
        // Gone from Genesys, and the WORM copy sits in an archive tier (Glacier): a restore is under way.
        setPlayback({ kind: 'failed', error: { ...toUiError(caught), title: 'Archive copy in cold storage — restore requested' }, grant: null });
      } else {
        setPlayback({ kind: 'failed', error: toUiError(caught), grant: null });
        await logIfUnexpected(api, 'authorize-playback', caught);
      }
      return;
    }
    granted.current = true;
    setPlayback({ kind: 'loading-waveform', grant });
    try {
      const waveform = await api.recordingsGetWaveform({ recordingId: id, buckets: waveformBuckets });
      setPlayback({ kind: 'ready', grant, waveform });
    } catch (caught) {
      setPlayback({ kind: 'failed', error: toUiError(caught), grant });
      await logIfUnexpected(api, 'waveform', caught);
    }
  }

  async function requestPlayback() {
    if (!recordingId) return;
    if (!caseReference) {
      setPlayback({ kind: 'asking-case-reference' });
      return;
    }
    await authorize(recordingId);
  }

  const startOnOpen = useEffectEvent(() => void requestPlayback());
  const autoStarted = useRef(false);
  useEffect(() => {
    // Once per opening, also under StrictMode's double effects: each start is an audited play.
    if (!autoStart || autoStarted.current) return;
    autoStarted.current = true;
    startOnOpen();
  }, [autoStart]);

  async function submitCaseReference(reference: string) {
    // A rejection here is shown inside the dialog, which stays open.
    onSessionChange(await api.sessionSetCaseReference({ caseReference: reference }));
    if (recordingId) await authorize(recordingId);
  }

  async function recordSeek(positionMs: number) {
    if (!recordingId) return;
    const { auditEventId } = await api.recordingsRecordSeek({ recordingId, positionMs });
    setLastSeek({ positionMs, auditEventId });
  }

  const grant = 'grant' in playback ? playback.grant : null;

  return (
    <>
      <div className="playback">
        <h3 className="section-title">Playback</h3>
        {playback.kind === 'ready' ? (
          <WaveformPlayer
            media={playback.grant}
            waveform={playback.waveform}
            loadWaveform={(window) => api.recordingsGetWaveform({ recordingId: playback.grant.recordingId, ...window })}
            onError={setPlayerError}
            onMediaFailed={(message) =>
              setPlayback({ kind: 'ended', message: `Playback stopped: ${message}. Its grant may have expired; press Play to start a new audited play.` })
            }
            onSeek={recordSeek}
            startedAtMs={startedAtMs}
          >
            {children}
          </WaveformPlayer>
        ) : (
          <div className="player player--pending">
            <div className="player__transport">
              <button
                type="button"
                className="button button--primary button--play"
                data-testid="play-button"
                disabled={!recordingId || playback.kind === 'authorizing' || playback.kind === 'loading-waveform'}
                onClick={requestPlayback}
              >
                <span className="icon icon--play" aria-hidden="true" />
                {playback.kind === 'authorizing'
                  ? 'Recording access…'
                  : playback.kind === 'loading-waveform'
                    ? 'Loading waveform…'
                    : playback.kind === 'refused' || playback.kind === 'failed'
                      ? 'Try again'
                      : playback.kind === 'ended'
                        ? 'Play again'
                        : 'Play'}
              </button>
              <span className="player__hint muted">
                {caseReference ? 'Each playback is written to the audit log first.' : 'You will be asked for a case reference first.'}
              </span>
            </div>
            {playback.kind === 'refused' ? (
              <div className="refusal" role="alert" data-testid="playback-refused">
                <p className="refusal__title">
                  Playback refused: the access could not be recorded in the WORM audit log. Nothing was played.
                </p>
                <div className="refusal__message">
                  <ErrorBody error={playback.error} attempt={attempts.play} />
                </div>
              </div>
            ) : playback.kind === 'failed' ? (
              <ErrorAlert error={playback.error} attempt={attempts.play} testId="playback-error" />
            ) : playback.kind === 'ended' ? (
              <p className="player__waveform player__waveform--empty" role="status" data-testid="playback-ended">
                {playback.message}
              </p>
            ) : (
              <div className="player__waveform player__waveform--empty">
                {playback.kind === 'loading-waveform' ? 'Loading waveform…' : 'The waveform appears once the access is recorded.'}
              </div>
            )}
          </div>
        )}
        {playerError ? (
          <div className="alert alert--error" role="alert" data-testid="player-error">
            <p className="alert__message">{playerError}</p>
          </div>
        ) : null}

        {grant ? (
          <div className="receipt" role="status">
            <p data-testid="audit-event-id" data-audit-event-id={grant.auditEventId}>
              Access recorded: <span className="mono">{grant.auditEventId}</span>
            </p>
            {lastSeek ? (
              <p data-testid="seek-audit-event-id" data-audit-event-id={lastSeek.auditEventId}>
                Seek to {formatClock(lastSeek.positionMs / 1000)} recorded: <span className="mono">{lastSeek.auditEventId}</span>
              </p>
            ) : null}
            <p>
              SHA-256:{' '}
              {grant.sha256 ?? verifiedSha256 ? (
                <span className="mono hash" data-testid="recording-sha256">
                  {grant.sha256 ?? verifiedSha256}
                </span>
              ) : (
                <span className="muted" data-testid="recording-sha256-pending">
                  verifying… (the recording is still arriving; playback stops if it does not match)
                </span>
              )}
            </p>
            {grant.source === 'archive' ? (
              <p className="playback-source" data-testid="playback-source">
                Played from the WORM archive copy: Genesys no longer has this recording. Its SHA-256 matched the one recorded when it was archived.
              </p>
            ) : null}
          </div>
        ) : null}
      </div>

      {playback.kind === 'asking-case-reference' ? (
        <CaseReferenceDialog onSubmit={submitCaseReference} onCancel={() => setPlayback({ kind: 'idle' })} />
      ) : null}
    </>
  );
}

/** What a failed integrity check means for the officer: what happened, that playback stopped, what to do. */
function integrityFailedMessage(detail: string | null): string {
  return (
    'Playback stopped: the recording failed its integrity check' +
    (detail ? ` (${detail})` : '') +
    '. What was played may not match the recording as it was captured, so playback was stopped. ' +
    'Press Play again to fetch a fresh copy; if this happens again, do not rely on this recording and report it to your compliance administrator.'
  );
}
