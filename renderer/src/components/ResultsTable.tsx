import { useId, type KeyboardEvent, type ReactNode } from 'react';
import type { RecordingMatch, SearchQuery, SearchResult } from '../../../shared/domain';
import { describeQuery, formatDurationMs, formatLocalTime, formatUtcTime } from '../format';
import { FileStateBadge } from './FileStateBadge';

type ResultsTableProps = {
  search: { query: SearchQuery; result: SearchResult } | null;
  openKey: string | null;
  onOpen(match: RecordingMatch): void;
  /** Rows picked for an evidence pack (a checkbox column at the end), and what to do with them. */
  selection?: { keys: ReadonlySet<string>; toggle(match: RecordingMatch): void };
  actions?: ReactNode;
};

const missingTradingIdTitle =
  'No trading ID on this recording. A recording without business identifiers is a MiFID II finding.';

function moveRowFocus(event: KeyboardEvent<HTMLTableRowElement>, step: 1 | -1) {
  const sibling = step === 1 ? event.currentTarget.nextElementSibling : event.currentTarget.previousElementSibling;
  if (sibling instanceof HTMLElement) {
    event.preventDefault();
    sibling.focus();
  }
}

export function ResultsTable({ search, openKey, onOpen, selection, actions }: ResultsTableProps) {
  const titleId = useId();

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

  return (
    <section className="panel results-panel" aria-labelledby={titleId}>
      <div className="panel__header">
        <h2 className="panel__title" id={titleId}>
          Recordings
        </h2>
        {search ? (
          <p className="panel__meta" role="status" data-testid="results-summary">
            {search.result.matches.length} {search.result.matches.length === 1 ? 'match' : 'matches'}
            <span className="muted"> · search recorded </span>
            <span className="mono muted">{search.result.auditEventId}</span>
          </p>
        ) : null}
      </div>
      {actions}
      {!search ? (
        <p className="empty-state">Enter a trading ID, client account, agent, queue or time range to find recordings.</p>
      ) : search.result.matches.length === 0 ? (
        <p className="empty-state empty-state--none" data-testid="results-empty">
          No recordings match {describeQuery(search.query)}.
        </p>
      ) : (
        <div className="table-scroll">
          <table className="results-table" data-testid="results-table" aria-labelledby={titleId}>
            <thead>
              <tr>
                <th scope="col">Start (local)</th>
                <th scope="col">Trading ID</th>
                <th scope="col">Client account</th>
                <th scope="col">Agent</th>
                <th scope="col">Queue</th>
                <th scope="col">Direction</th>
                <th scope="col" className="num">
                  Duration
                </th>
                <th scope="col">File</th>
                {selection ? (
                  <th scope="col" className="select-col">
                    Pack
                  </th>
                ) : null}
              </tr>
            </thead>
            <tbody>
              {search.result.matches.map((match) => (
                <tr
                  key={matchKey(match)}
                  data-testid="result-row"
                  data-conversation-id={match.conversationId}
                  data-recording-id={match.recordingId ?? ''}
                  tabIndex={0}
                  aria-current={matchKey(match) === openKey ? 'true' : undefined}
                  className={match.tradingId ? undefined : 'row--finding'}
                  onClick={() => onOpen(match)}
                  onKeyDown={(e) => onRowKeyDown(e, match)}
                >
                  <td className="nowrap">
                    <time dateTime={match.startTime} title={formatUtcTime(match.startTime)}>
                      {formatLocalTime(match.startTime)}
                    </time>
                  </td>
                  <td className="mono">
                    {match.tradingId ?? (
                      <span className="badge badge--missing" data-testid="missing-trading-id" title={missingTradingIdTitle}>
                        Missing
                      </span>
                    )}
                  </td>
                  <td className="mono">{match.clientAccount ?? <span className="muted">—</span>}</td>
                  <td>{match.agent ?? <span className="muted">—</span>}</td>
                  <td>{match.queue ?? <span className="muted">—</span>}</td>
                  <td>{match.direction ?? <span className="muted">—</span>}</td>
                  <td className="num">{formatDurationMs(match.durationMs)}</td>
                  <td>
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
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** A conversation can hold several recordings: each row is one recording. */
export function matchKey(match: RecordingMatch): string {
  return `${match.conversationId}/${match.recordingId ?? ''}`;
}
