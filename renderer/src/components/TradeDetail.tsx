import { useEffect, useId, useState } from 'react';
import type { SessionInfo } from '../../../shared/domain';
import type { PackBuildResult } from '../../../shared/ipc/channels/packs';
import type { MatchStatus, Timeline, TradeCandidate, TradeView } from '../../../shared/trades';
import { useCustodyApi } from '../api';
import { attempts, isCustodyError, logIfUnexpected, toUiError, type Attempt, type UiError } from '../errors';
import { WallClock } from '../time-display';
import { useCaseGate } from '../use-case-gate';
import { ErrorAlert } from './ErrorAlert';
import { PackReceipt } from './PreparePackBar';
import { MetaRow as Field } from './RecordingView';
import { TradeTimeline } from './TradeTimeline';

type Loadable<T> = { kind: 'idle' } | { kind: 'loading' } | { kind: 'loaded'; value: T } | { kind: 'failed'; error: UiError };

type TradeDetailProps = {
  tradeId: string;
  /** Changes when the blotter was imported or matched again: the trade is read again. */
  version: number;
  caseReference: string | null;
  onSessionChange(session: SessionInfo): void;
  /** A decision changed the trade's status: the list shows it. */
  onChanged(): void;
};

/** One trade: its fields, its ranked candidate calls with Confirm / Reject, its decisions, its timeline and its reconstruction. */
export function TradeDetail({ tradeId, version, caseReference, onSessionChange, onChanged }: TradeDetailProps) {
  const api = useCustodyApi();
  const titleId = useId();
  const [view, setView] = useState<Loadable<TradeView>>({ kind: 'loading' });
  const [actionError, setActionError] = useState<{ error: UiError; attempt: Attempt } | null>(null);
  const [deciding, setDeciding] = useState<string | null>(null);
  const [timeline, setTimeline] = useState<Loadable<Timeline>>({ kind: 'idle' });
  const [pack, setPack] = useState<Loadable<PackBuildResult>>({ kind: 'idle' });
  const [zip, setZip] = useState(false);
  const gate = useCaseGate(caseReference, onSessionChange);

  useEffect(() => {
    let current = true;
    async function load() {
      try {
        const shown = await api.tradesShow({ tradeId });
        if (current) setView({ kind: 'loaded', value: shown });
      } catch (caught) {
        if (current) setView({ kind: 'failed', error: toUiError(caught) });
        await logIfUnexpected(api, 'trade', caught);
      }
    }
    void load();
    return () => {
      current = false;
    };
  }, [api, tradeId, version]);

  async function decide(candidate: TradeCandidate, decision: 'confirm' | 'reject') {
    const run = async () => {
      setActionError(null);
      setDeciding(candidate.conversationId);
      try {
        const request = { tradeId, conversationId: candidate.conversationId };
        setView({ kind: 'loaded', value: decision === 'confirm' ? await api.tradesLink(request) : await api.tradesUnlink(request) });
        onChanged();
      } catch (caught) {
        if (isCustodyError(caught, 'CASE_REFERENCE_REQUIRED')) gate.ask(run, decisionQuestion);
        else {
          setActionError({ error: toUiError(caught), attempt: attempts.other });
          await logIfUnexpected(api, 'trade-link', caught);
        }
      } finally {
        setDeciding(null);
      }
    };
    await gate.underCase(run, decisionQuestion);
  }

  async function showTimeline() {
    setTimeline({ kind: 'loading' });
    try {
      setTimeline({ kind: 'loaded', value: await api.tradesTimeline({ tradeId }) });
    } catch (caught) {
      setTimeline({ kind: 'failed', error: toUiError(caught) });
      await logIfUnexpected(api, 'trade-timeline', caught);
    }
  }

  async function reconstruct() {
    const run = async () => {
      setPack({ kind: 'loading' });
      try {
        setPack({ kind: 'loaded', value: await api.tradesReconstruct({ tradeId, zip }) });
      } catch (caught) {
        if (isCustodyError(caught, 'CASE_REFERENCE_REQUIRED')) {
          setPack({ kind: 'idle' });
          gate.ask(run, reconstructQuestion);
        } else {
          setPack({ kind: 'failed', error: toUiError(caught) });
          await logIfUnexpected(api, 'trade-reconstruct', caught);
        }
      }
    };
    await gate.underCase(run, reconstructQuestion);
  }

  if (view.kind !== 'loaded') {
    return (
      <section className="panel trade-detail" data-testid="trade-detail" aria-label={`Trade ${tradeId}`}>
        {view.kind === 'failed' ? <ErrorAlert error={view.error} testId="trade-error" /> : <p className="empty-state">Loading…</p>}
      </section>
    );
  }
  const { trade, candidates, decisions, status, window } = view.value;
  return (
    <section className="panel trade-detail" data-testid="trade-detail" data-trade-id={trade.tradeId} data-status={status} aria-labelledby={titleId}>
      <div className="panel__header">
        <h2 className="panel__title" id={titleId}>
          Trade <span className="panel__title-detail mono">{trade.tradeId}</span>
        </h2>
        <MatchStatusBadge status={status} />
      </div>

      <dl className="meta trade-detail__fields" data-testid="trade-fields">
        <Field label="Executed">
          <WallClock iso={trade.executedAt} />
        </Field>
        <Field label="Trader">{trade.trader}</Field>
        <Field label="Client account" mono>
          {trade.clientAccount ?? '—'}
        </Field>
        <Field label="Instrument">{trade.instrument ?? '—'}</Field>
        <Field label="Side">{trade.side ?? '—'}</Field>
        <Field label="Quantity" mono>
          {trade.quantity ?? '—'}
        </Field>
        <Field label="Price" mono>
          {trade.price ?? '—'}
        </Field>
        <Field label="Channel">{trade.channel}</Field>
        <Field label="Source">
          {trade.source.fileName}, line {trade.source.line} ({trade.source.format.toUpperCase()})
        </Field>
        <Field label="Window">
          {window.beforeMinutes} min before to {window.afterMinutes} min after the execution
        </Field>
        <Field label="Matched">{view.value.matchedAt ? <WallClock iso={view.value.matchedAt} /> : 'not yet: run matching'}</Field>
      </dl>

      <div className="trade-detail__actions">
        <button type="button" className="button" data-testid="trade-timeline-show" disabled={timeline.kind === 'loading'} onClick={() => void showTimeline()}>
          {timeline.kind === 'loaded' ? 'Refresh timeline' : 'Show timeline'}
        </button>
        <label className="checkbox">
          <input type="checkbox" checked={zip} onChange={(e) => setZip(e.target.checked)} data-testid="trade-reconstruct-zip" /> as one .zip
        </label>
        <button type="button" className="button button--primary" data-testid="trade-reconstruct" disabled={pack.kind === 'loading'} onClick={() => void reconstruct()}>
          {pack.kind === 'loading' ? 'Reconstructing…' : 'Reconstruct'}
        </button>
        <span className="muted">An audited export: the trade, its calls, transcripts, annotations and timeline in a signed evidence pack.</span>
      </div>
      {pack.kind === 'loaded' ? <PackReceipt result={pack.value} /> : null}
      {pack.kind === 'failed' ? <ErrorAlert error={pack.error} attempt={attempts.export} testId="trade-reconstruct-error" /> : null}
      {actionError ? <ErrorAlert error={actionError.error} attempt={actionError.attempt} testId="trade-action-error" /> : null}

      <h3 className="section-title">Candidate calls</h3>
      {trade.channel === 'electronic' ? (
        <p className="muted" data-testid="trade-electronic">
          An electronic trade: no call is expected, and it is never a gap.
        </p>
      ) : candidates.length === 0 ? (
        <p className="muted" data-testid="trade-no-candidates">
          No call of the trader or the client in the window: this trade is listed under Gaps.
        </p>
      ) : (
        <div className="table-scroll">
          <table className="results-table trades-table" data-testid="trade-candidates">
            <caption className="visually-hidden">Candidate calls, best first</caption>
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Call start</th>
                <th scope="col">Agent</th>
                <th scope="col">Queue</th>
                <th scope="col">Trading ID</th>
                <th scope="col">Client</th>
                <th scope="col" className="num">
                  Score
                </th>
                <th scope="col">Why</th>
                <th scope="col">Decision</th>
              </tr>
            </thead>
            <tbody>
              {candidates.map((candidate, i) => (
                <tr key={candidate.conversationId} data-testid="trade-candidate" data-conversation-id={candidate.conversationId} data-linked={candidate.linked}>
                  <td>{i + 1}</td>
                  <td className="trades-table__time">
                    <WallClock iso={candidate.startTime} />
                  </td>
                  <td>{candidate.agentName ?? '—'}</td>
                  <td>{candidate.queueName ?? '—'}</td>
                  <td className="mono">{candidate.tradingId ?? '—'}</td>
                  <td className="mono">{candidate.clientAccount ?? '—'}</td>
                  <td className="num" data-testid="trade-candidate-score">
                    {candidate.score}
                  </td>
                  <td className="trades-table__reasons">
                    <ul className="reason-list">
                      {candidate.reasons.map((reason) => (
                        <li key={reason.kind}>
                          {reason.text} <span className="muted">(+{reason.points})</span>
                        </li>
                      ))}
                    </ul>
                  </td>
                  <td className="trades-table__decision">
                    <span data-testid="trade-candidate-state">
                      {candidate.linked ? <span className="badge badge--trade-linked">linked</span> : null}
                      {candidate.decision ? <span className="muted"> {candidate.decision.decision} by {candidate.decision.decidedBy.name}</span> : null}
                    </span>
                    <span className="trades-table__buttons">
                      <button
                        type="button"
                        className="button button--small"
                        data-testid="trade-confirm"
                        disabled={deciding !== null || candidate.decision?.decision === 'confirmed'}
                        onClick={() => void decide(candidate, 'confirm')}
                      >
                        Confirm
                      </button>
                      <button
                        type="button"
                        className="button button--small"
                        data-testid="trade-reject"
                        disabled={deciding !== null || candidate.decision?.decision === 'rejected'}
                        onClick={() => void decide(candidate, 'reject')}
                      >
                        Reject
                      </button>
                    </span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <h3 className="section-title">Decisions</h3>
      {decisions.length === 0 ? (
        <p className="muted" data-testid="trade-no-decisions">
          No officer has confirmed or rejected a call for this trade.
        </p>
      ) : (
        <ol className="decision-list" data-testid="trade-decisions">
          {decisions.map((d) => (
            <li key={d.auditEventId} data-testid="trade-decision" data-audit-event-id={d.auditEventId} data-decision={d.decision}>
              <strong>{d.decision === 'confirmed' ? 'Confirmed' : 'Rejected'}</strong> call <span className="mono">{d.conversationId}</span> by {d.decidedBy.name}{' '}
              <span className="muted">({d.decidedBy.email})</span>, <WallClock iso={d.decidedAt} />, case <span className="mono">{d.caseReference}</span>; recorded as{' '}
              <span className="mono">{d.auditEventId}</span>
            </li>
          ))}
        </ol>
      )}

      {timeline.kind === 'idle' ? null : (
        <>
          <h3 className="section-title">Timeline</h3>
          {timeline.kind === 'loading' ? <p className="muted">Loading…</p> : null}
          {timeline.kind === 'failed' ? <ErrorAlert error={timeline.error} testId="trade-timeline-error" /> : null}
          {timeline.kind === 'loaded' ? <TradeTimeline timeline={timeline.value} caseReference={caseReference} onSessionChange={onSessionChange} /> : null}
        </>
      )}
      {gate.dialog}
    </section>
  );
}

const decisionQuestion = { question: 'Why are you deciding this link?', submitLabel: 'Record the decision' };
const reconstructQuestion = { question: 'Why are you reconstructing this trade?', submitLabel: 'Reconstruct' };

const statusText: Record<MatchStatus, string> = { linked: 'linked', candidates: 'candidates', none: 'no call' };

/** linked / candidates / no call, in words and colour. */
export function MatchStatusBadge({ status }: { status: MatchStatus }) {
  return (
    <span className={`badge badge--trade-${status}`} data-testid="trade-status" data-status={status}>
      {statusText[status]}
    </span>
  );
}
