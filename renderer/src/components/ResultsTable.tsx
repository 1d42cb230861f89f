import { useId, useMemo, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import type { IndexFreshness, RecordingMatch, SearchQuery, SearchResult } from '../../../shared/domain';
import { describeQuery, formatDurationMs } from '../format';
import { nextSort, recordingParts, sortMatches, visibleRows, type ResultColumn, type ResultSort } from '../results-order';
import { useTimeDisplay, wallClockTexts } from '../time-display';
import { FileStateBadge } from './FileStateBadge';

type ResultsTableProps = {
  search: { query: SearchQuery; result: SearchResult } | null;
  openKey: string | null;
  onOpen(match: RecordingMatch): void;
  /** Rows picked for an evidence pack (a checkbox column at the end), and what to do with them. */
  selection?: { keys: ReadonlySet<string>; toggle(match: RecordingMatch): void };
  /** Background sync of the asked window, while it runs: how much of it the index covers now. */
  syncProgress?: { coveredFraction: number } | null;
  actions?: ReactNode;
};

const missingTradingIdTitle =
  'No trading ID on this recording. A recording without business identifiers is a MiFID II finding.';

const durationExplanation =
  'Recording: the length of this audio file (what the player plays). Call: the whole conversation, from its first to its last participant; ' +
  'it is longer when the call held time before or after recording (queueing, holds, transfers) or was recorded in several parts.';

const directionShort: Readonly<Record<string, string>> = { inbound: 'in', outbound: 'out' };

/** Every row is this tall (two lines), so that only the rows in view need to exist. */
const ROW_HEIGHT = 40;
/** Before the scroller has been measured (and in tests without layout), this much is assumed to be in view. */
const ASSUMED_VIEWPORT = 640;

const columns: ReadonlyArray<{ column: ResultColumn; label: string; className?: string; title?: string }> = [
  { column: 'start', label: 'Start', className: 'col-start' },
  { column: 'tradingId', label: 'Trading ID', className: 'col-trade' },
  { column: 'clientAccount', label: 'Account', className: 'col-account', title: 'Client account' },
  { column: 'agent', label: 'Agent', className: 'col-agent' },
  { column: 'queue', label: 'Queue', className: 'col-queue' },
  { column: 'direction', label: 'Dir.', className: 'col-direction', title: 'Direction' },
  { column: 'duration', label: 'Duration', className: 'col-duration num', title: durationExplanation },
  { column: 'fileState', label: 'File', className: 'col-file' },
];

function moveRowFocus(event: KeyboardEvent<HTMLTableRowElement>, step: 1 | -1) {
  const sibling = step === 1 ? event.currentTarget.nextElementSibling : event.currentTarget.previousElementSibling;
  if (sibling instanceof HTMLElement && sibling.dataset.testid === 'result-row') {
    event.preventDefault();
    sibling.focus();
  }
}

export function ResultsTable({ search, openKey, onOpen, selection, syncProgress, actions }: ResultsTableProps) {
  const titleId = useId();
  const { first: clockFirst } = useTimeDisplay();
  // Null until a column is picked: the search's own order (newest call first, a call's recordings together).
  const [sort, setSort] = useState<ResultSort | null>(null);
  const [scroll, setScroll] = useState({ top: 0, height: ASSUMED_VIEWPORT });
  const scroller = useRef<HTMLDivElement>(null);
  const matches = search?.result.matches;
  const rows = useMemo(() => (!matches ? [] : sort ? sortMatches(matches, sort) : matches), [matches, sort]);
  const parts = useMemo(() => recordingParts(matches ?? []), [matches]);
  const { first, last } = visibleRows(rows.length, scroll.top, scroll.height, ROW_HEIGHT);

  function onRowKeyDown(event: KeyboardEvent<HTMLTableRowElement>, match: RecordingMatch) {
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      onOpen(match);
    } else if (event.key === 'ArrowDown') {
      moveRowFocus(event, 1);
    } else if (event.key === 'ArrowUp') {
      moveRowFocus(event, -1);
    }
  }

  function sortBy(column: ResultColumn) {
    setSort((current) => nextSort(current, column));
    scroller.current?.scrollTo({ top: 0 });
  }

  return (
    <section className="panel results-panel" aria-labelledby={titleId}>
      <div className="panel__header">
        <h2 className="panel__title" id={titleId}>
          Recordings
        </h2>
        {search ? (
          <p className="panel__meta" role="status" data-testid="results-summary">
            {search.result.matches.length.toLocaleString()} {search.result.matches.length === 1 ? 'match' : 'matches'}
            <span className="muted"> · search recorded </span>
            <span className="mono muted">{search.result.auditEventId}</span>
          </p>
        ) : null}
      </div>
      {search?.result.index.window ? <IndexCompleteness window={search.result.index.window} syncProgress={syncProgress ?? null} /> : null}
      {actions}
      {!search ? (
        <p className="empty-state">Enter a trading ID, client account, agent, queue or time range to find recordings.</p>
      ) : search.result.matches.length === 0 ? (
        <p className="empty-state empty-state--none" data-testid="results-empty">
          No recordings match {describeQuery(search.query)}.
        </p>
      ) : (
        <div
          className="table-scroll"
          ref={scroller}
          data-testid="results-scroll"
          onScroll={(e) => setScroll({ top: e.currentTarget.scrollTop, height: e.currentTarget.clientHeight || ASSUMED_VIEWPORT })}
        >
          <table className="results-table" data-testid="results-table" aria-labelledby={titleId} aria-rowcount={rows.length + 1}>
            <thead>
              <tr>
                {columns.map(({ column, label, className, title }) => (
                  <th
                    key={column}
                    scope="col"
                    className={className}
                    aria-sort={sort?.column === column ? (sort.descending ? 'descending' : 'ascending') : undefined}
                  >
                    <button type="button" className="sort-button" data-testid={`sort-${column}`} title={title} onClick={() => sortBy(column)}>
                      {column === 'start' ? `Start (${clockFirst === 'utc' ? 'UTC' : 'local'})` : label}
                      <span className="sort-button__arrow" aria-hidden="true">
                        {sort?.column === column ? (sort.descending ? '▼' : '▲') : ''}
                      </span>
                    </button>
                  </th>
                ))}
                {selection ? (
                  <th scope="col" className="select-col">
                    Pack
                  </th>
                ) : null}
              </tr>
            </thead>
            <tbody>
              {first > 0 ? <tr className="results-spacer" aria-hidden="true" style={{ height: first * ROW_HEIGHT }} /> : null}
              {rows.slice(first, last).map((match, i) => {
                const part = parts.get(match);
                const [primary, secondary] = wallClockTexts(match.startTime, clockFirst);
                const conversationLonger =
                  match.conversationDurationMs != null && match.durationMs !== null && match.conversationDurationMs !== match.durationMs;
                return (
                  <tr
                    key={matchKey(match)}
                    data-testid="result-row"
                    data-conversation-id={match.conversationId}
                    data-recording-id={match.recordingId ?? ''}
                    aria-rowindex={first + i + 2}
                    tabIndex={0}
                    aria-current={matchKey(match) === openKey ? 'true' : undefined}
                    className={[match.tradingId ? '' : 'row--finding', part && part.part > 1 ? 'row--part' : ''].join(' ').trim() || undefined}
                    onClick={() => onOpen(match)}
                    onKeyDown={(e) => onRowKeyDown(e, match)}
                  >
                    <td className="col-start">
                      <time dateTime={match.startTime} title={secondary}>
                        {primary}
                      </time>
                      {part ? (
                        <span className="cell-sub" data-testid="recording-part" title="One conversation recorded in several parts: each part is its own recording.">
                          Part {part.part} of {part.of}
                        </span>
                      ) : null}
                    </td>
                    <td className="mono col-trade" title={match.tradingId ?? undefined}>
                      {match.tradingId ?? (
                        <span className="badge badge--missing" data-testid="missing-trading-id" title={missingTradingIdTitle}>
                          Missing
                        </span>
                      )}
                    </td>
                    <td className="mono col-account" title={match.clientAccount ?? undefined}>
                      {match.clientAccount ?? <span className="muted">—</span>}
                    </td>
                    <td className="col-agent" title={match.agent ?? undefined}>
                      {match.agent ?? <span className="muted">—</span>}
                    </td>
                    <td className="col-queue" title={match.queue ?? undefined}>
                      {match.queue ?? <span className="muted">—</span>}
                    </td>
                    <td className="col-direction" title={match.direction ?? undefined}>
                      {match.direction ? (directionShort[match.direction] ?? match.direction) : <span className="muted">—</span>}
                    </td>
                    <td className="num col-duration" data-testid="result-duration" title={durationExplanation}>
                      {formatDurationMs(match.durationMs)}
                      {conversationLonger ? (
                        <span className="cell-sub muted" data-testid="conversation-duration">
                          call {formatDurationMs(match.conversationDurationMs ?? null)}
                        </span>
                      ) : null}
                    </td>
                    <td className="col-file">
                      <FileStateBadge state={match.fileState} />
                    </td>
                    {selection ? (
                      <td className="select-col" onClick={(e) => e.stopPropagation()} onKeyDown={(e) => e.stopPropagation()}>
                        <input
                          type="checkbox"
                          data-testid="select-for-pack"
                          aria-label={`Include recording ${match.recordingId ?? ''} in an evidence pack`}
                          disabled={!match.recordingId}
                          checked={selection.keys.has(matchKey(match))}
                          onChange={() => selection.toggle(match)}
                        />
                      </td>
                    ) : null}
                  </tr>
                );
              })}
              {last < rows.length ? <tr className="results-spacer" aria-hidden="true" style={{ height: (rows.length - last) * ROW_HEIGHT }} /> : null}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** How much of the asked window the index has read, what is missing, and the background sync's progress. */
function IndexCompleteness({ window, syncProgress }: { window: NonNullable<IndexFreshness['window']>; syncProgress: { coveredFraction: number } | null }) {
  const covered = Math.max(window.coveredFraction, syncProgress?.coveredFraction ?? 0);
  const percent = covered >= 1 ? 100 : Math.min(99, Math.floor(covered * 100));
  const day = (iso: string) => iso.slice(0, 10);
  const scope = window.wholeIndex ? `Whole index searched; the last ${day(window.from)} – ${day(window.to)} synced` : `Index for ${day(window.from)} – ${day(window.to)}`;
  if (window.coveredFraction >= 1 && !syncProgress) {
    return (
      <p className="index-completeness index-completeness--complete" data-testid="index-completeness" data-covered={1}>
        {scope}: complete.
      </p>
    );
  }
  const missing = window.missing.slice(0, 3).map((m) => `${day(m.from)} – ${day(m.to)}`);
  return (
    <div className="index-completeness" data-testid="index-completeness" data-covered={covered}>
      <p>
        {scope}: <strong>{percent}%</strong> read from Genesys.{' '}
        {syncProgress || window.syncing ? 'Reading the rest in the background; the list refreshes as it lands.' : 'Search again to read the rest.'}
      </p>
      <progress max={100} value={percent} aria-label="Index completeness for the asked window" />
      {missing.length > 0 ? (
        <p className="muted" data-testid="index-missing">
          Not yet read: {missing.join(', ')}
          {window.missing.length > 3 ? ` and ${window.missing.length - 3} more spans` : ''}
        </p>
      ) : null}
    </div>
  );
}

/** A conversation can hold several recordings: each row is one recording. */
export function matchKey(match: RecordingMatch): string {
  return `${match.conversationId}/${match.recordingId ?? ''}`;
}
