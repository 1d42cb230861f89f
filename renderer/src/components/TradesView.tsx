import { useEffect, useId, useState, type ChangeEvent } from 'react';
import type { SessionInfo } from '../../../shared/domain';
import { BLOTTER_MAX_BYTES } from '../../../shared/ipc/channels/trades';
import type { BlotterFormat, GapsReport, ImportReport, MatchReport, MatchStatus, TradeSummary } from '../../../shared/trades';
import { useCustodyApi } from '../api';
import { isCustodyError, logIfUnexpected, titleFor, toUiError, type UiError } from '../errors';
import { WallClock } from '../time-display';
import { useCaseGate } from '../use-case-gate';
import { ErrorAlert } from './ErrorAlert';
import { MatchStatusBadge, TradeDetail } from './TradeDetail';

type Task<T> = { kind: 'idle' } | { kind: 'running' } | { kind: 'done'; value: T } | { kind: 'failed'; error: UiError };

type Tab = 'trades' | 'gaps';
const statusFilters: ReadonlyArray<{ value: MatchStatus | 'all'; label: string }> = [
  { value: 'all', label: 'All trades' },
  { value: 'linked', label: 'Linked' },
  { value: 'candidates', label: 'Candidates only' },
  { value: 'none', label: 'No call' },
];
/** Rows asked of main at once: the table is for reading; the CLI and the pack hold every trade. */
const listLimit = 1000;

type TradesViewProps = { session: SessionInfo | null; onSessionChange(session: SessionInfo): void };

/**
 * Trade reconstruction: import a blotter, match its voice trades to calls, confirm or reject links
 * (audited under the case), see the trades with no call and the calls with no trade, and reconstruct a trade.
 */
export function TradesView({ session, onSessionChange }: TradesViewProps) {
  const api = useCustodyApi();
  const titleId = useId();
  const caseReference = session?.caseReference ?? null;
  const [tab, setTab] = useState<Tab>('trades');
  const [status, setStatus] = useState<MatchStatus | 'all'>('all');
  const [list, setList] = useState<Task<{ trades: Array<TradeSummary>; total: number }>>({ kind: 'running' });
  const [gaps, setGaps] = useState<Task<GapsReport>>({ kind: 'idle' });
  const [imported, setImported] = useState<Task<ImportReport>>({ kind: 'idle' });
  const [matched, setMatched] = useState<Task<MatchReport>>({ kind: 'idle' });
  const [format, setFormat] = useState<BlotterFormat | 'auto'>('auto');
  const [selected, setSelected] = useState<string | null>(null);
  const [reloads, setReloads] = useState(0);
  /** Bumped by an import or a matching run: an open trade reads itself again. */
  const [blotterVersion, setBlotterVersion] = useState(0);
  const gate = useCaseGate(caseReference, onSessionChange);

  useEffect(() => {
    let current = true;
    async function load() {
      try {
        const listed = await api.tradesList({ ...(status === 'all' ? {} : { status }), limit: listLimit });
        if (current) setList({ kind: 'done', value: listed });
      } catch (caught) {
        if (current) setList({ kind: 'failed', error: toUiError(caught) });
        await logIfUnexpected(api, 'trades-list', caught);
      }
    }
    void load();
    return () => {
      current = false;
    };
  }, [api, status, reloads]);

  useEffect(() => {
    if (tab !== 'gaps') return;
    let current = true;
    async function load() {
      setGaps({ kind: 'running' });
      try {
        const report = await api.tradesGaps({});
        if (current) setGaps({ kind: 'done', value: report });
      } catch (caught) {
        if (current) setGaps({ kind: 'failed', error: toUiError(caught) });
        await logIfUnexpected(api, 'trades-gaps', caught);
      }
    }
    void load();
    return () => {
      current = false;
    };
  }, [api, tab, reloads]);

  async function importFile(event: ChangeEvent<HTMLInputElement>) {
    const file = event.target.files?.[0];
    event.target.value = '';
    if (!file) return;
    if (file.size > BLOTTER_MAX_BYTES) {
      const message = `${file.name} is larger than ${BLOTTER_MAX_BYTES / 1024 / 1024} MiB: import it with "custody trades import".`;
      setImported({ kind: 'failed', error: { code: 'VALIDATION', title: titleFor('VALIDATION'), message, issues: [] } });
      return;
    }
    const run = async (content: string) => {
      setImported({ kind: 'running' });
      try {
        setImported({ kind: 'done', value: await api.tradesImport({ fileName: file.name, content, ...(format === 'auto' ? {} : { format }) }) });
        setReloads((n) => n + 1);
        setBlotterVersion((n) => n + 1);
      } catch (caught) {
        if (isCustodyError(caught, 'CASE_REFERENCE_REQUIRED')) {
          setImported({ kind: 'idle' });
          gate.ask(() => run(content), { question: 'Why are you importing this blotter?', submitLabel: 'Import' });
        } else {
          setImported({ kind: 'failed', error: toUiError(caught) });
          await logIfUnexpected(api, 'trades-import', caught);
        }
      }
    };
    await run(await file.text());
  }

  async function match() {
    setMatched({ kind: 'running' });
    try {
      setMatched({ kind: 'done', value: await api.tradesMatch({}) });
      setReloads((n) => n + 1);
      setBlotterVersion((n) => n + 1);
    } catch (caught) {
      setMatched({ kind: 'failed', error: toUiError(caught) });
      await logIfUnexpected(api, 'trades-match', caught);
    }
  }

  return (
    <main className="section-view trades" data-testid="trades-view" aria-labelledby={titleId}>
      <section className="panel section-view__side trades__side" aria-label="Blotter and matching">
        <div className="panel__header">
          <h2 className="panel__title" id={titleId}>
            Trades
          </h2>
        </div>
        <div className="trades__block">
          <h3 className="section-title">Import a blotter</h3>
          <div className="field">
            <label htmlFor={`${titleId}-format`}>Format</label>
            <select id={`${titleId}-format`} value={format} onChange={(e) => setFormat(e.target.value as BlotterFormat | 'auto')} data-testid="trades-import-format">
              <option value="auto">From the file name</option>
              <option value="csv">CSV</option>
              <option value="fix">FIX drop copy</option>
            </select>
          </div>
          <div className="field">
            <label htmlFor={`${titleId}-file`}>Blotter file</label>
            <input id={`${titleId}-file`} type="file" accept=".csv,.txt,.fix,.log" data-testid="trades-import-file" disabled={imported.kind === 'running'} onChange={(e) => void importFile(e)} />
          </div>
          <p className="field__hint">A re-import updates trades and never duplicates them; bad rows are listed and the rest load. Written to the audit log first.</p>
          {imported.kind === 'running' ? <p role="status">Importing…</p> : null}
          {imported.kind === 'done' ? <ImportResult report={imported.value} /> : null}
          {imported.kind === 'failed' ? <ErrorAlert error={imported.error} testId="trades-import-error" /> : null}
        </div>
        <div className="trades__block">
          <h3 className="section-title">Matching</h3>
          <p className="field__hint">Scores each voice trade&apos;s calls again: trading ID, trader, client account, time to execution, desk. Officers&apos; decisions are kept.</p>
          <button type="button" className="button button--primary" data-testid="trades-match" disabled={matched.kind === 'running'} onClick={() => void match()}>
            {matched.kind === 'running' ? 'Matching…' : 'Run matching'}
          </button>
          {matched.kind === 'done' ? (
            <p className="receipt" role="status" data-testid="trades-match-result">
              {matched.value.voiceTrades} voice trade(s) of {matched.value.trades}: {matched.value.linked} linked, {matched.value.candidates} with candidates, {matched.value.none} with no call ({matched.value.ms} ms).
            </p>
          ) : null}
          {matched.kind === 'failed' ? <ErrorAlert error={matched.error} testId="trades-match-error" /> : null}
        </div>
      </section>

      <section className="section-view__main trades__main" aria-label="Trades and gaps">
        <div className="trades__tabs" role="group" aria-label="Show">
          <button type="button" className="button" aria-pressed={tab === 'trades'} data-testid="trades-tab-trades" onClick={() => setTab('trades')}>
            Trades
          </button>
          <button type="button" className="button" aria-pressed={tab === 'gaps'} data-testid="trades-tab-gaps" onClick={() => setTab('gaps')}>
            Gaps
          </button>
        </div>
        {tab === 'trades' ? (
          <TradesTable list={list} status={status} onStatus={setStatus} selected={selected} onOpen={setSelected} />
        ) : (
          <GapsPanel gaps={gaps} onOpenTrade={setSelected} />
        )}
        {selected ? (
          <TradeDetail key={selected} tradeId={selected} version={blotterVersion} caseReference={caseReference} onSessionChange={onSessionChange} onChanged={() => setReloads((n) => n + 1)} />
        ) : (
          <p className="empty-state">Select a trade to see its candidate calls with their scores and reasons, confirm or reject a link, see its timeline and reconstruct it.</p>
        )}
      </section>
      {gate.dialog}
    </main>
  );
}

function ImportResult({ report }: { report: ImportReport }) {
  return (
    <div className="receipt" role="status" data-testid="trades-import-result">
      <p>
        <span className="mono">{report.fileName}</span> ({report.format.toUpperCase()}, {report.rows} row(s)):{' '}
        <span data-testid="trades-import-counts">
          {report.inserted} inserted, {report.updated} updated, {report.unchanged} unchanged, {report.rejected.length} rejected
        </span>
        .
      </p>
      {report.rejected.length > 0 ? (
        <ul className="trades__rejected" data-testid="trades-import-rejected" aria-label="Rejected rows">
          {report.rejected.map((row) => (
            <li key={`${row.line}-${row.reason}`}>
              Line {row.line}: {row.reason}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

type TradesTableProps = {
  list: Task<{ trades: Array<TradeSummary>; total: number }>;
  status: MatchStatus | 'all';
  onStatus(status: MatchStatus | 'all'): void;
  selected: string | null;
  onOpen(tradeId: string): void;
};

function TradesTable({ list, status, onStatus, selected, onOpen }: TradesTableProps) {
  const filterId = useId();
  return (
    <div className="panel trades__list">
      <div className="panel__header">
        <h2 className="panel__title">Blotter</h2>
        <div className="trades__filter">
          <label htmlFor={filterId}>Status</label>
          <select id={filterId} value={status} onChange={(e) => onStatus(e.target.value as MatchStatus | 'all')} data-testid="trades-status-filter">
            {statusFilters.map((f) => (
              <option key={f.value} value={f.value}>
                {f.label}
              </option>
            ))}
          </select>
        </div>
      </div>
      {list.kind === 'failed' ? (
        <div className="section-view__alert">
          <ErrorAlert error={list.error} testId="trades-list-error" />
        </div>
      ) : list.kind !== 'done' ? (
        <p className="empty-state">Loading…</p>
      ) : list.value.trades.length === 0 ? (
        <p className="empty-state" data-testid="trades-empty">
          {status === 'all' ? 'No trades yet: import a blotter.' : 'No trade has this status.'}
        </p>
      ) : (
        <div className="table-scroll trades__scroll">
          <table className="results-table trades-table" data-testid="trades-table">
            <caption className="visually-hidden">Trades, oldest execution first</caption>
            <thead>
              <tr>
                <th scope="col">Trade ID</th>
                <th scope="col">Executed</th>
                <th scope="col">Trader</th>
                <th scope="col">Client</th>
                <th scope="col">Channel</th>
                <th scope="col">Status</th>
                <th scope="col" className="num">
                  Top score
                </th>
              </tr>
            </thead>
            <tbody>
              {list.value.trades.map(({ trade, status: rowStatus, candidates, topScore }) => (
                <tr
                  key={trade.tradeId}
                  data-testid="trade-row"
                  data-trade-id={trade.tradeId}
                  data-status={rowStatus}
                  aria-current={trade.tradeId === selected ? 'true' : undefined}
                  onClick={() => onOpen(trade.tradeId)}
                >
                  <td>
                    <button type="button" className="link-button mono" data-testid="trade-open" onClick={() => onOpen(trade.tradeId)}>
                      {trade.tradeId}
                    </button>
                  </td>
                  <td className="trades-table__time">
                    <WallClock iso={trade.executedAt} />
                  </td>
                  <td>{trade.trader}</td>
                  <td className="mono">{trade.clientAccount ?? '—'}</td>
                  <td>{trade.channel}</td>
                  <td>
                    {trade.channel === 'electronic' ? <span className="muted">electronic</span> : <MatchStatusBadge status={rowStatus} />}
                    {candidates > 0 ? <span className="muted"> ({candidates})</span> : null}
                  </td>
                  <td className="num">{topScore ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {list.value.total > list.value.trades.length ? (
            <p className="muted trades__more">
              Showing {list.value.trades.length} of {list.value.total}; narrow by status, or use &quot;custody trades show&quot;.
            </p>
          ) : null}
        </div>
      )}
    </div>
  );
}

function GapsPanel({ gaps, onOpenTrade }: { gaps: Task<GapsReport>; onOpenTrade(tradeId: string): void }) {
  if (gaps.kind === 'failed') return <ErrorAlert error={gaps.error} testId="trades-gaps-error" />;
  if (gaps.kind !== 'done') return <p className="empty-state">Loading…</p>;
  const report = gaps.value;
  const trades = report.gaps.filter((g) => g.kind === 'trade-without-call');
  const calls = report.gaps.filter((g) => g.kind === 'call-without-trade');
  return (
    <div className="panel trades__gaps" data-testid="trades-gaps">
      <div className="panel__header">
        <h2 className="panel__title">Gaps</h2>
        <span className="muted" data-testid="trades-gaps-summary">
          {report.tradesWithoutCall} voice trade(s) of {report.voiceTrades} with no call; {report.callsWithoutTrade} trading-desk call(s) whose trading ID matches no trade
        </span>
      </div>
      <h3 className="section-title">Voice trades with no call</h3>
      {trades.length === 0 ? (
        <p className="muted">None.</p>
      ) : (
        <ul className="gap-list">
          {trades.map((gap) => (
            <li key={gap.tradeId} data-testid="trade-gap" data-trade-id={gap.tradeId}>
              <button type="button" className="link-button mono" data-testid="trade-gap-open" onClick={() => onOpenTrade(gap.tradeId)}>
                {gap.tradeId}
              </button>{' '}
              <WallClock iso={gap.executedAt} />, {gap.trader}
              {gap.clientAccount ? <span className="mono">, {gap.clientAccount}</span> : null}
              <p className="gap-list__reason">{gap.reason}</p>
            </li>
          ))}
        </ul>
      )}
      <h3 className="section-title">Trading-desk calls with no trade</h3>
      {calls.length === 0 ? (
        <p className="muted">None.</p>
      ) : (
        <ul className="gap-list">
          {calls.map((gap) => (
            <li key={gap.conversationId} data-testid="call-gap" data-conversation-id={gap.conversationId}>
              <span className="mono">{gap.tradingId}</span> <WallClock iso={gap.startTime} />, {gap.agentName ?? 'unknown agent'}
              {gap.queueName ? `, ${gap.queueName}` : ''} <span className="muted mono">({gap.conversationId})</span>
              <p className="gap-list__reason">{gap.reason}</p>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
