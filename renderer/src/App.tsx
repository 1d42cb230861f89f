import { useEffect, useState } from 'react';
import type { RecordingMatch, SearchQuery, SearchResult, SessionInfo } from '../../shared/domain';
import { useCustodyApi } from './api';
import { CaseReferenceDialog } from './components/CaseReferenceDialog';
import { ErrorAlert } from './components/ErrorAlert';
import { Header } from './components/Header';
import { JobsPanel } from './components/JobsPanel';
import { RecordingView } from './components/RecordingView';
import { matchKey, ResultsTable } from './components/ResultsTable';
import { SearchPanel } from './components/SearchPanel';
import { logIfUnexpected, toUiError, type UiError } from './errors';
import { applySyncEvent, indexStatusFromSearch, indexStatusFromSession, type IndexStatus } from './index-status';

/** The app's sections. Each is one screen under the header; "recordings" is the search workspace. */
type ViewId = 'recordings' | 'jobs';
const views: ReadonlyArray<{ id: ViewId; label: string }> = [
  { id: 'recordings', label: 'Recordings' },
  { id: 'jobs', label: 'Jobs' },
];

export function App() {
  const api = useCustodyApi();
  const [session, setSession] = useState<SessionInfo | null>(null);
  const [sessionError, setSessionError] = useState<UiError | null>(null);
  const [indexStatus, setIndexStatus] = useState<IndexStatus | null>(null);
  const [search, setSearch] = useState<{ query: SearchQuery; result: SearchResult } | null>(null);
  const [open, setOpen] = useState<RecordingMatch | null>(null);
  const [view, setView] = useState<ViewId>('recordings');
  const [retrieval, setRetrieval] = useState<{ kind: 'idle' } | { kind: 'asking' } | { kind: 'starting' } | { kind: 'failed'; error: UiError }>({ kind: 'idle' });
  const [startedJobId, setStartedJobId] = useState<string | null>(null);

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

  function onResult(query: SearchQuery, result: SearchResult) {
    setSearch({ query, result });
    setIndexStatus((previous) => indexStatusFromSearch(result.index, previous));
    setRetrieval({ kind: 'idle' });
  }

  /** "Retrieve all": a bulk job over the search, under the session's case reference (asked for first if missing). */
  async function retrieveAll() {
    if (!search) return;
    if (!session?.caseReference) {
      setRetrieval({ kind: 'asking' });
      return;
    }
    setRetrieval({ kind: 'starting' });
    try {
      const job = await api.jobsStartFromSearch({ query: search.query });
      setStartedJobId(job.id);
      setRetrieval({ kind: 'idle' });
      setView('jobs');
    } catch (caught) {
      setRetrieval({ kind: 'failed', error: toUiError(caught) });
      await logIfUnexpected(api, 'jobs', caught);
    }
  }

  async function submitRetrievalCase(caseReference: string) {
    setSession(await api.sessionSetCaseReference({ caseReference }));
    setRetrieval({ kind: 'starting' });
    try {
      const job = await api.jobsStartFromSearch({ query: search!.query });
      setStartedJobId(job.id);
      setRetrieval({ kind: 'idle' });
      setView('jobs');
    } catch (caught) {
      setRetrieval({ kind: 'failed', error: toUiError(caught) });
      await logIfUnexpected(api, 'jobs', caught);
    }
  }

  const retrieveButton =
    search && search.result.matches.length > 0 ? (
      <button
        type="button"
        className="button button--primary button--small"
        data-testid="retrieve-all"
        disabled={retrieval.kind === 'starting'}
        onClick={() => void retrieveAll()}
      >
        {retrieval.kind === 'starting' ? 'Starting…' : 'Retrieve all'}
      </button>
    ) : null;

  return (
    <div className="app">
      <Header session={session} indexStatus={indexStatus} />
      {sessionError ? (
        <div className="app__banner">
          <ErrorAlert error={sessionError} testId="session-error" />
        </div>
      ) : null}
      {retrieval.kind === 'failed' ? (
        <div className="app__banner">
          <ErrorAlert error={retrieval.error} testId="retrieve-error" />
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
          </button>
        ))}
      </nav>
      <main className="workspace" hidden={view !== 'recordings'}>
        <SearchPanel onResult={onResult} />
        <ResultsTable search={search} openKey={open ? matchKey(open) : null} onOpen={setOpen} actions={retrieveButton} />
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
      <main className="jobs-workspace" hidden={view !== 'jobs'}>
        <JobsPanel highlightJobId={startedJobId} active={view === 'jobs'} />
      </main>
      {retrieval.kind === 'asking' ? (
        <CaseReferenceDialog
          question="Why are you retrieving these recordings?"
          submitLabel="Start retrieval"
          onSubmit={submitRetrievalCase}
          onCancel={() => setRetrieval({ kind: 'idle' })}
        />
      ) : null}
    </div>
  );
}
