import { useEffect, useState } from 'react';
import type { RecordingMatch, SearchQuery, SearchResult, SessionInfo } from '../../shared/domain';
import { useCustodyApi } from './api';
import { AuditTrailView } from './components/AuditTrailView';
import { ErrorAlert } from './components/ErrorAlert';
import { Header } from './components/Header';
import { HoldsView } from './components/HoldsView';
import { PostureView } from './components/PostureView';
import { RecordingView } from './components/RecordingView';
import { ReviewWorkspace } from './components/ReviewWorkspace';
import { PreparePackBar } from './components/PreparePackBar';
import { matchKey, ResultsTable } from './components/ResultsTable';
import { SearchPanel } from './components/SearchPanel';
import { Watermark } from './components/Watermark';
import { logIfUnexpected, toUiError, type UiError } from './errors';
import { applySyncEvent, indexStatusFromSearch, indexStatusFromSession, type IndexStatus } from './index-status';
import { useAuditAlerts } from './use-audit-alerts';

/** The app's sections. Each is one screen under the header; "recordings" is the search workspace. */
type ViewId = 'recordings' | 'audit' | 'holds' | 'posture';
const views: ReadonlyArray<{ id: ViewId; label: string }> = [
  { id: 'recordings', label: 'Recordings' },
  { id: 'audit', label: 'Audit trail' },
  { id: 'holds', label: 'Holds' },
  { id: 'posture', label: 'Posture' },
];

export function App() {
  const api = useCustodyApi();
  const [session, setSession] = useState<SessionInfo | null>(null);
  const [sessionError, setSessionError] = useState<UiError | null>(null);
  const [indexStatus, setIndexStatus] = useState<IndexStatus | null>(null);
  const [search, setSearch] = useState<{ query: SearchQuery; result: SearchResult } | null>(null);
  const [open, setOpen] = useState<RecordingMatch | null>(null);
  const [view, setView] = useState<ViewId>('recordings');
  const audit = useAuditAlerts(api);
  const [packSelection, setPackSelection] = useState<ReadonlyMap<string, RecordingMatch>>(new Map());

  useEffect(() => {
    let current = true;
    async function load() {
      try {
        const loaded = await api.sessionGet({});
        if (!current) return;
        setSession(loaded);
        setIndexStatus((previous) => previous ?? indexStatusFromSession(loaded));
      } catch (caught) {
        if (current) setSessionError(toUiError(caught));
        await logIfUnexpected(api, 'session', caught);
      }
    }
    void load();
    return () => {
      current = false;
    };
  }, [api]);

  useEffect(() => api.on('index:syncStatus', (event) => setIndexStatus((previous) => applySyncEvent(previous, event))), [api]);

  function togglePackSelection(match: RecordingMatch) {
    setPackSelection((previous) => {
      const next = new Map(previous);
      if (next.has(matchKey(match))) next.delete(matchKey(match));
      else next.set(matchKey(match), match);
      return next;
    });
  }

  function onResult(query: SearchQuery, result: SearchResult) {
    setSearch({ query, result });
    setIndexStatus((previous) => indexStatusFromSearch(result.index, previous));
  }

  if (session?.mode === 'review' && session.review) {
    return (
      <div className="app app--review">
        <Header session={session} indexStatus={null} />
        <ReviewWorkspace review={session.review} />
        <Watermark review={session.review} />
      </div>
    );
  }

  return (
    <div className="app">
      <Header session={session} indexStatus={indexStatus} />
      {sessionError ? (
        <div className="app__banner">
          <ErrorAlert error={sessionError} testId="session-error" />
        </div>
      ) : null}
      <nav className="app-nav" aria-label="Sections">
        {views.map((v) => (
          <button
            key={v.id}
            type="button"
            className="app-nav__tab"
            aria-current={v.id === view ? 'page' : undefined}
            data-testid={`nav-${v.id}`}
            onClick={() => setView(v.id)}
          >
            {v.label}
            {v.id === 'audit' && (audit.alerted.length > 0 || audit.integrity?.state === 'failed') ? (
              <span
                className={`nav-badge${audit.integrity?.state === 'failed' ? ' nav-badge--failed' : ''}`}
                data-testid="nav-audit-badge"
                title={audit.integrity?.state === 'failed' ? audit.integrity.message : `${audit.alerted.length} alerted access(es) this session`}
              >
                {audit.integrity?.state === 'failed' ? '!' : audit.alerted.length}
              </span>
            ) : null}
          </button>
        ))}
      </nav>
      <main className="workspace" hidden={view !== 'recordings'}>
        <SearchPanel onResult={onResult} />
        <ResultsTable
          search={search}
          openKey={open ? matchKey(open) : null}
          onOpen={setOpen}
          selection={{ keys: new Set(packSelection.keys()), toggle: togglePackSelection }}
          actions={
            <PreparePackBar
              selected={[...packSelection.values()]}
              caseReference={session?.caseReference ?? null}
              onSessionChange={setSession}
              onBuilt={() => setPackSelection(new Map())}
            />
          }
        />
        {open ? (
          <RecordingView
            key={matchKey(open)}
            match={open}
            caseReference={session?.caseReference ?? null}
            onSessionChange={setSession}
          />
        ) : (
          <section className="panel recording-view recording-view--empty" aria-labelledby="recording-empty-title">
            <div className="panel__header">
              <h2 className="panel__title" id="recording-empty-title">
                Recording
              </h2>
            </div>
            <p className="empty-state">Select a recording to see its details and play it.</p>
          </section>
        )}
      </main>
      <AuditTrailView active={view === 'audit'} alerted={audit.alerted} integrityVersion={audit.integrity} />
      {view === 'holds' ? <HoldsView session={session} /> : null}
      {view === 'posture' ? <PostureView /> : null}
    </div>
  );
}
