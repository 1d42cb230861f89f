import { useEffect, useState } from 'react';
import type { RecordingMatch, SearchQuery, SearchResult, SessionInfo } from '../../shared/domain';
import { CustodyApiProvider, useCustodyApi } from './api';
import { AuditTrailView } from './components/AuditTrailView';
import { CaseReferenceDialog } from './components/CaseReferenceDialog';
import { CaseView } from './components/CaseView';
import { ErrorAlert } from './components/ErrorAlert';
import { Header } from './components/Header';
import { HoldsView } from './components/HoldsView';
import { JobsPanel } from './components/JobsPanel';
import { PostureView } from './components/PostureView';
import { RecordingView } from './components/RecordingView';
import { ReviewWorkspace } from './components/ReviewWorkspace';
import { PreparePackBar } from './components/PreparePackBar';
import { matchKey, ResultsTable } from './components/ResultsTable';
import { SearchPanel } from './components/SearchPanel';
import { SignInScreen } from './components/SignInScreen';
import { TradesView } from './components/TradesView';
import { Watermark } from './components/Watermark';
import { attempts, logIfUnexpected, toUiError, type UiError } from './errors';
import { TimeDisplayProvider } from './time-display';
import { applySyncEvent, indexStatusFromSearch, indexStatusFromSession, type IndexStatus } from './index-status';
import { useAuditAlerts } from './use-audit-alerts';
import { useHealth } from './use-health';
import { useSearchRefresh } from './use-search-refresh';
import { useOfficer, useSignInGuardedApi } from './use-officer';

/** The app's sections. Each is one screen under the header; "recordings" is the search workspace. */
type ViewId = 'recordings' | 'trades' | 'cases' | 'jobs' | 'audit' | 'holds' | 'posture';
const views: ReadonlyArray<{ id: ViewId; label: string }> = [
  { id: 'recordings', label: 'Recordings' },
  { id: 'trades', label: 'Trades' },
  { id: 'cases', label: 'Cases' },
  { id: 'jobs', label: 'Jobs' },
  { id: 'audit', label: 'Audit trail' },
  { id: 'holds', label: 'Holds' },
  { id: 'posture', label: 'Posture' },
];

export function App() {
  return (
    <TimeDisplayProvider>
      <AppScreens />
    </TimeDisplayProvider>
  );
}

function AppScreens() {
  const api = useCustodyApi();
  const [session, setSession] = useState<SessionInfo | null>(null);
  const [sessionError, setSessionError] = useState<UiError | null>(null);
  const [indexStatus, setIndexStatus] = useState<IndexStatus | null>(null);
  const officer = useOfficer(api);
  const [signOut, setSignOut] = useState<{ kind: 'idle' } | { kind: 'signing-out' } | { kind: 'failed'; error: UiError }>({ kind: 'idle' });
  const health = useHealth(api);
  const recentCases = useRecentCases(session?.caseReference ?? null, officer.state.kind === 'signed-in' ? officer.state.officer.genesysUserId : null);
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

  if (session?.mode === 'review' && session.review) {
    return (
      <div className="app app--review">
        <Header session={session} indexStatus={null} />
        <ReviewWorkspace review={session.review} />
        <Watermark review={session.review} />
      </div>
    );
  }

  async function signOutNow() {
    setSignOut({ kind: 'signing-out' });
    try {
      await officer.signOut();
      setSignOut({ kind: 'idle' });
    } catch (caught) {
      setSignOut({ kind: 'failed', error: toUiError(caught) });
      await logIfUnexpected(api, 'auth', caught);
    }
  }

  const signedIn = officer.state.kind === 'signed-in' ? officer.state.officer : null;
  return (
    <div className="app">
      <Header
        session={session}
        indexStatus={indexStatus}
        officer={{ view: signedIn, onSignOut: () => void signOutNow(), signingOut: signOut.kind === 'signing-out' }}
        health={health}
        caseSwitch={signedIn ? { recent: recentCases, onSwitch: async (caseReference) => setSession(await api.sessionSetCaseReference({ caseReference })) } : undefined}
      />
      {sessionError ? (
        <div className="app__banner">
          <ErrorAlert error={sessionError} testId="session-error" />
        </div>
      ) : null}
      {signOut.kind === 'failed' ? (
        <div className="app__banner">
          <ErrorAlert error={signOut.error} testId="sign-out-error" />
        </div>
      ) : null}
      {officer.state.kind === 'unavailable' ? (
        <div className="app__banner">
          <ErrorAlert error={officer.state.error} testId="officer-error" />
        </div>
      ) : null}
      {officer.state.kind === 'signed-out' ? <SignInScreen reason={officer.state.reason} onSignedIn={officer.signedIn} /> : null}
      {signedIn ? (
        <OfficerWorkspace
          // Another officer starts afresh: nothing the previous one searched or opened stays on screen.
          key={signedIn.genesysUserId}
          onSignInLost={officer.signInLost}
          session={session}
          onSessionChange={setSession}
          onIndexStatusChange={setIndexStatus}
          recentCases={recentCases}
        />
      ) : null}
    </div>
  );
}

type OfficerWorkspaceProps = {
  onSignInLost: (error: UiError) => void;
  session: SessionInfo | null;
  onSessionChange: (session: SessionInfo) => void;
  onIndexStatusChange: (update: (previous: IndexStatus | null) => IndexStatus | null) => void;
  recentCases: ReadonlyArray<string>;
};

/** The signed-in officer's sections; every call made here that main refuses with SIGNIN_REQUIRED ends the sign-in on screen. */
function OfficerWorkspace({ onSignInLost, ...props }: OfficerWorkspaceProps) {
  const api = useSignInGuardedApi(useCustodyApi(), onSignInLost);
  return (
    <CustodyApiProvider api={api}>
      <Workspace {...props} />
    </CustodyApiProvider>
  );
}

function Workspace({ session, onSessionChange: setSession, onIndexStatusChange: setIndexStatus, recentCases }: Omit<OfficerWorkspaceProps, 'onSignInLost'>) {
  const api = useCustodyApi();
  const [search, setSearch] = useState<{ query: SearchQuery; result: SearchResult } | null>(null);
  const [open, setOpen] = useState<RecordingMatch | null>(null);
  const [view, setView] = useState<ViewId>('recordings');
  const audit = useAuditAlerts(api);
  const [packSelection, setPackSelection] = useState<ReadonlyMap<string, RecordingMatch>>(new Map());
  const [retrieval, setRetrieval] = useState<{ kind: 'idle' } | { kind: 'asking' } | { kind: 'starting' } | { kind: 'failed'; error: UiError }>({ kind: 'idle' });
  const [startedJobId, setStartedJobId] = useState<string | null>(null);
  const syncProgress = useSearchRefresh(api, search, setSearch);

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
    setRetrieval({ kind: 'idle' });
  }

  /** "Retrieve all": a bulk job over the search, under the session's case reference (asked for first if missing). */
  async function retrieveAll() {
    if (!search) return;
    if (!session?.caseReference) {
      setRetrieval({ kind: 'asking' });
      return;
    }
    await startRetrieval(search.query);
  }

  async function submitRetrievalCase(caseReference: string) {
    setSession(await api.sessionSetCaseReference({ caseReference }));
    if (search) await startRetrieval(search.query);
  }

  async function startRetrieval(query: SearchQuery) {
    setRetrieval({ kind: 'starting' });
    try {
      const job = await api.jobsStartFromSearch({ query });
      setStartedJobId(job.id);
      setRetrieval({ kind: 'idle' });
      setView('jobs');
    } catch (caught) {
      setRetrieval({ kind: 'failed', error: toUiError(caught) });
      await logIfUnexpected(api, 'jobs', caught);
    }
  }

  return (
    <>
      {retrieval.kind === 'failed' ? (
        <div className="app__banner">
          <ErrorAlert error={retrieval.error} attempt={attempts.download} testId="retrieve-error" />
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
          syncProgress={syncProgress}
          actions={
            <>
              {search && search.result.matches.length > 0 ? (
                <div className="retrieve-bar">
                  <span className="muted">Every match into one folder: each download audited, verified, resumable.</span>
                  <button
                    type="button"
                    className="button button--small"
                    data-testid="retrieve-all"
                    disabled={retrieval.kind === 'starting'}
                    onClick={() => void retrieveAll()}
                  >
                    {retrieval.kind === 'starting' ? 'Starting…' : 'Retrieve all'}
                  </button>
                </div>
              ) : null}
              <PreparePackBar
                selected={[...packSelection.values()]}
                caseReference={session?.caseReference ?? null}
                onSessionChange={setSession}
                onBuilt={() => setPackSelection(new Map())}
              />
            </>
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
      <main className="jobs-workspace" hidden={view !== 'jobs'}>
        <JobsPanel highlightJobId={startedJobId} active={view === 'jobs'} />
      </main>
      {view === 'cases' ? <CaseView current={session?.caseReference ?? null} recent={recentCases} /> : null}
      <AuditTrailView active={view === 'audit'} alerted={audit.alerted} integrityVersion={audit.integrity} />
      {view === 'holds' ? <HoldsView session={session} /> : null}
      {view === 'posture' ? <PostureView /> : null}
      {view === 'trades' ? <TradesView session={session} onSessionChange={setSession} /> : null}
      {retrieval.kind === 'asking' ? (
        <CaseReferenceDialog
          question="Why are you retrieving these recordings?"
          submitLabel="Start retrieval"
          onSubmit={submitRetrievalCase}
          onCancel={() => setRetrieval({ kind: 'idle' })}
        />
      ) : null}
    </>
  );
}

/** The case references of this sitting, newest first: offered for switching back. A new officer starts with none. */
function useRecentCases(current: string | null, officerId: string | null): ReadonlyArray<string> {
  const [recent, setRecent] = useState<{ officerId: string | null; cases: ReadonlyArray<string> }>({ officerId, cases: [] });
  const cases = recent.officerId === officerId ? recent.cases : [];
  if (current !== null && cases[0] !== current) {
    setRecent({ officerId, cases: [current, ...cases.filter((c) => c !== current)].slice(0, 6) });
  } else if (recent.officerId !== officerId) {
    setRecent({ officerId, cases });
  }
  return cases;
}
