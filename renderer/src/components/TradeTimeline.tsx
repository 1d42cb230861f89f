import { useState } from 'react';
import type { SessionInfo } from '../../../shared/domain';
import type { Timeline } from '../../../shared/trades';
import { formatUtcTime, formatZonedTime } from '../format';
import { timelineLayout } from '../trade-timeline';
import { AuditedPlayer } from './AuditedPlayer';

type TradeTimelineProps = { timeline: Timeline; caseReference: string | null; onSessionChange(session: SessionInfo): void };

/** A trade's calls and its execution on one time axis, in UTC and the desk's zone; each call plays in place, audited first. */
export function TradeTimeline({ timeline, caseReference, onSessionChange }: TradeTimelineProps) {
  const layout = timelineLayout(timeline);
  const [playing, setPlaying] = useState<{ conversationId: string; recordingId: string; startedAtMs: number } | null>(null);
  const desk = timeline.deskTimeZone;
  return (
    <div className="timeline" data-testid="trade-timeline" data-desk-zone={desk}>
      <p className="timeline__legend muted">
        Window {formatUtcTime(timeline.window.from)} to {formatUtcTime(timeline.window.to)}; times in UTC and in the desk&apos;s zone ({desk}).
      </p>
      <div className="timeline__rows">
        <div className="timeline__row">
          <div className="timeline__label timeline__label--axis">
            <span>UTC</span>
            <span className="muted">{desk}</span>
          </div>
          <div className="timeline__track timeline__axis" data-testid="timeline-axis">
            {layout.ticks.map((tick) => (
              <span key={tick.at} className="timeline__tick" style={{ left: `${tick.leftPct}%` }}>
                <span>{tick.utc}</span>
                <span className="muted">{tick.desk}</span>
              </span>
            ))}
          </div>
        </div>

        <div className="timeline__row timeline__row--execution">
          <div className="timeline__label">
            <strong>Execution</strong>
            <span className="mono">{formatUtcTime(timeline.execution.at)}</span>
            <span className="muted mono">
              {formatZonedTime(timeline.execution.at, desk)} {desk}
            </span>
          </div>
          <div className="timeline__track">
            <span className="timeline__execution" data-testid="timeline-execution" style={{ left: `${layout.executionPct}%` }} title={`Execution ${formatUtcTime(timeline.execution.at)}`} />
          </div>
        </div>

        {timeline.calls.map((call, i) => {
          const bar = layout.calls[i]!;
          const recording = call.recordings[0] ?? null;
          const open = playing?.conversationId === call.conversationId;
          return (
            <div key={call.conversationId} className="timeline__row" data-testid="timeline-call" data-conversation-id={call.conversationId} data-linked={call.linked}>
              <div className="timeline__label">
                <span>
                  {call.agentName ?? 'Unknown agent'}
                  {call.queueName ? <span className="muted"> · {call.queueName}</span> : null}
                </span>
                <span className="mono">{formatUtcTime(call.start)}</span>
                <span className="muted mono">
                  {formatZonedTime(call.start, desk)} {desk}
                </span>
                <span className="timeline__facts">
                  {call.linked ? <span className="badge badge--trade-linked">linked</span> : null}
                  {call.parties.map((party) => (
                    <span key={party} className="badge">
                      {party === 'trader' ? "trader's call" : "client's call"}
                    </span>
                  ))}
                  {call.score !== null ? <span className="muted">score {call.score}</span> : null}
                </span>
                <button
                  type="button"
                  className="button button--small"
                  data-testid="timeline-play"
                  disabled={!recording}
                  aria-expanded={open}
                  onClick={() => setPlaying(open || !recording ? null : { conversationId: call.conversationId, recordingId: recording.recordingId, startedAtMs: Date.parse(recording.start) })}
                >
                  {!recording ? 'No recording listed' : open ? 'Close player' : 'Play'}
                </button>
              </div>
              <div className="timeline__track">
                <span
                  className={`timeline__call${call.linked ? ' timeline__call--linked' : ''}`}
                  style={{ left: `${bar.leftPct}%`, width: `${bar.widthPct}%` }}
                  title={`${call.agentName ?? 'Unknown agent'}, ${formatUtcTime(call.start)}`}
                />
                <span className="timeline__execution timeline__execution--faint" style={{ left: `${layout.executionPct}%` }} />
              </div>
              {open && playing ? (
                <div className="timeline__player" data-testid="timeline-player">
                  <AuditedPlayer key={playing.recordingId} recordingId={playing.recordingId} startedAtMs={playing.startedAtMs} caseReference={caseReference} onSessionChange={onSessionChange} autoStart />
                </div>
              ) : null}
            </div>
          );
        })}
      </div>
      {timeline.calls.length === 0 ? (
        <p className="empty-state" data-testid="timeline-empty">
          No call of the trader or the client in this window.
        </p>
      ) : null}
    </div>
  );
}
