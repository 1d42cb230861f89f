import { useEffect, useEffectEvent, useId, useRef, useState } from 'react';
import type { Annotation } from '../../../shared/annotations';
import { formatClock, parseOffsetMs } from '../../../shared/quantities';
import { useCustodyApi } from '../api';
import { logIfUnexpected, toUiError, type UiError } from '../errors';
import { usePlayer, type PlayerHandle, type TimeRange } from '../player/player-context';
import { WallClock } from '../time-display';
import { ErrorAlert } from './ErrorAlert';

type AnnotationsPanelProps = {
  recordingId: string;
  /** Review mode: the pack's annotations, shown and played, never changed. */
  readOnly?: boolean;
  /** Given: shown as they are (a pack's); absent: the officer's, loaded from main. */
  annotations?: ReadonlyArray<Annotation>;
};

/** An offset as the range fields show it, to the millisecond (what parseOffsetMs reads back). */
const offsetText = (ms: number) => `${formatClock(ms / 1000)}${ms % 1000 ? `.${String(ms % 1000).padStart(3, '0')}` : ''}`;
const rangeText = (r: TimeRange) => `${formatClock(r.fromMs / 1000)}–${formatClock(r.toMs / 1000)}`;

/**
 * The recording's annotations beside its player: each drawn on the waveform, a click on one seeks to
 * its start, Loop plays its range over and over. The officer marks the player's A–B selection with a
 * note, edits or deletes one (each change is an audited event), and reads its earlier versions.
 */
export function AnnotationsPanel({ recordingId, readOnly = false, annotations: given }: AnnotationsPanelProps) {
  const api = useCustodyApi();
  const player = usePlayer();
  const titleId = useId();
  const [loaded, setLoaded] = useState<ReadonlyArray<Annotation>>([]);
  const [error, setError] = useState<UiError | null>(null);
  const [reloads, setReloads] = useState(0);
  const [draft, setDraft] = useState<{ from: string; to: string; note: string } | null>(null);
  const [editing, setEditing] = useState<{ annotationId: string; note: string } | null>(null);
  const [history, setHistory] = useState<{ annotationId: string; versions: ReadonlyArray<Annotation> } | null>(null);
  const [busy, setBusy] = useState(false);
  const annotations = given ?? loaded;

  useEffect(() => {
    if (given) return;
    let current = true;
    async function load() {
      try {
        const listed = await api.annotationsList({ recordingId });
        if (current) setLoaded(listed.annotations);
      } catch (caught) {
        if (current) setError(toUiError(caught));
        await logIfUnexpected(api, 'annotations', caught);
      }
    }
    void load();
    return () => {
      current = false;
    };
  }, [api, recordingId, given, reloads]);

  // The handle is a new object each render of the player; regions are drawn when the annotations change.
  const playerRef = useRef<PlayerHandle | null>(player);
  useEffect(() => {
    playerRef.current = player;
  });
  const drawRegions = useEffectEvent((shown: ReadonlyArray<Annotation>) => {
    player?.showRegions(
      'annotations',
      shown.map((a) => ({
        id: a.annotationId,
        range: { fromMs: a.fromMs, toMs: a.toMs },
        label: a.note,
        kind: 'annotation' as const,
        onSelect: () => playerRef.current?.seekTo(a.fromMs),
      })),
    );
  });
  const hasPlayer = player !== null;
  useEffect(() => {
    drawRegions(annotations);
  }, [annotations, hasPlayer]);

  async function act(run: () => Promise<unknown>): Promise<void> {
    setError(null);
    setBusy(true);
    try {
      await run();
      setReloads((n) => n + 1);
    } catch (caught) {
      setError(toUiError(caught));
      await logIfUnexpected(api, 'annotations', caught);
    } finally {
      setBusy(false);
    }
  }

  const selection = player?.selection ?? null;

  return (
    <section className="panel annotations" aria-labelledby={titleId} data-testid="annotations-panel">
      <div className="panel__header">
        <h3 className="panel__title" id={titleId}>
          Annotations <span className="panel__title-detail">{annotations.length}</span>
        </h3>
        {!readOnly && (
          <button
            type="button"
            className="button button--small"
            disabled={!player || busy}
            title={selection ? `Mark ${rangeText(selection)} with a note` : 'Mark a range with [ and ] on the player first, or give it below'}
            onClick={() => {
              // Without an A–B selection: five seconds from the playhead, to be adjusted.
              const range = selection ?? (player ? { fromMs: player.positionMs, toMs: Math.min(player.durationMs, player.positionMs + 5_000) } : null);
              if (range) setDraft({ from: offsetText(range.fromMs), to: offsetText(range.toMs), note: '' });
            }}
            data-testid="annotate-selection"
          >
            Annotate selection{selection ? ` ${rangeText(selection)}` : ''}
          </button>
        )}
      </div>
      {error && <ErrorAlert error={error} testId="annotations-error" />}
      {draft && (
        <form
          className="annotations__form"
          onSubmit={(event) => {
            event.preventDefault();
            const fromMs = parseOffsetMs(draft.from);
            const toMs = parseOffsetMs(draft.to);
            if (fromMs === null || toMs === null) {
              setError({ code: 'VALIDATION', title: 'Not a range', message: 'Give From and To as m:ss, h:mm:ss or milliseconds (1:23, 1:02:03.5, 83000).', issues: [] });
              return;
            }
            void act(async () => {
              await api.annotationsCreate({ recordingId, fromMs, toMs, note: draft.note });
              setDraft(null);
            });
          }}
        >
          <div className="annotations__actions">
            <label>
              From <input className="mono" size={10} value={draft.from} onChange={(e) => setDraft({ ...draft, from: e.target.value })} data-testid="annotation-from" />
            </label>
            <label>
              To <input className="mono" size={10} value={draft.to} onChange={(e) => setDraft({ ...draft, to: e.target.value })} data-testid="annotation-to" />
            </label>
          </div>
          <label>
            Note
            <textarea value={draft.note} maxLength={4000} rows={3} onChange={(e) => setDraft({ ...draft, note: e.target.value })} data-testid="annotation-note" autoFocus />
          </label>
          <p className="muted">Saving writes the note to the WORM audit log under the current case.</p>
          <div className="annotations__actions">
            <button type="submit" className="button button--primary button--small" disabled={busy} data-testid="annotation-save">
              Save annotation
            </button>
            <button type="button" className="button button--small" onClick={() => setDraft(null)}>
              Cancel
            </button>
          </div>
        </form>
      )}
      {annotations.length === 0 ? (
        <p className="muted">{readOnly ? 'No annotations in this pack for this recording.' : 'No annotations yet. Mark a range with [ and ] on the player, then annotate it.'}</p>
      ) : (
        <ol className="annotations__list">
          {annotations.map((a) => (
            <li key={a.annotationId} className="annotations__item" data-testid="annotation">
              <div className="annotations__head">
                <button type="button" className="button button--small mono" onClick={() => player?.seekTo(a.fromMs)} disabled={!player} title="Seek to its start">
                  {rangeText(a)}
                </button>
                <button type="button" className="button button--small" onClick={() => player?.loop({ fromMs: a.fromMs, toMs: a.toMs })} disabled={!player}>
                  Loop
                </button>
                {!readOnly && (
                  <>
                    <button type="button" className="button button--small" disabled={busy} onClick={() => setEditing({ annotationId: a.annotationId, note: a.note })}>
                      Edit
                    </button>
                    <button
                      type="button"
                      className="button button--small"
                      disabled={busy}
                      onClick={() => void act(() => api.annotationsDelete({ annotationId: a.annotationId }))}
                      data-testid="annotation-delete"
                    >
                      Delete
                    </button>
                    <button
                      type="button"
                      className="button button--small"
                      aria-expanded={history?.annotationId === a.annotationId}
                      onClick={() =>
                        history?.annotationId === a.annotationId
                          ? setHistory(null)
                          : void act(async () => setHistory({ annotationId: a.annotationId, versions: (await api.annotationsHistory({ annotationId: a.annotationId })).versions }))
                      }
                    >
                      History (v{a.version})
                    </button>
                  </>
                )}
              </div>
              {editing?.annotationId === a.annotationId ? (
                <form
                  className="annotations__form"
                  onSubmit={(event) => {
                    event.preventDefault();
                    void act(async () => {
                      await api.annotationsEdit({ annotationId: a.annotationId, note: editing.note });
                      setEditing(null);
                    });
                  }}
                >
                  <textarea aria-label={`Note on ${rangeText(a)}`} value={editing.note} maxLength={4000} rows={3} onChange={(e) => setEditing({ ...editing, note: e.target.value })} />
                  <div className="annotations__actions">
                    <button type="submit" className="button button--primary button--small" disabled={busy}>
                      Save edit
                    </button>
                    <button type="button" className="button button--small" onClick={() => setEditing(null)}>
                      Cancel
                    </button>
                  </div>
                </form>
              ) : (
                <p className="annotations__note" data-testid="annotation-note-text">
                  {a.note}
                </p>
              )}
              <p className="annotations__meta muted">
                {a.updatedBy.name}, <WallClock iso={a.updatedAt} />
                {a.caseReference ? `, case ${a.caseReference}` : ''}
              </p>
              {history?.annotationId === a.annotationId && (
                <ol className="annotations__history" aria-label="Earlier versions">
                  {history.versions.map((v) => (
                    <li key={v.version}>
                      v{v.version} {v.deleted ? 'deleted' : v.version === 1 ? 'created' : 'edited'} by {v.updatedBy.name}, <WallClock iso={v.updatedAt} />: {rangeText(v)} “{v.note}”
                    </li>
                  ))}
                </ol>
              )}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
