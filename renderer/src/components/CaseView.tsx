import { useEffect, useId, useState, type FormEvent } from 'react';
import type { AuditTrailPage } from '../../../shared/audit-views';
import { caseReferenceSchema } from '../../../shared/domain';
import { describeOperator, operatorHeadline } from '../../../shared/operator-label';
import { useCustodyApi } from '../api';
import { caseActionLabels, groupByRecording, type CaseActivityGroup } from '../case-activity';
import { logIfUnexpected, toUiError, type UiError } from '../errors';
import { WallClock } from '../time-display';
import { ErrorAlert } from './ErrorAlert';

/** The newest accesses of one case shown (the audit trail's own page size). */
const caseEntryLimit = 1000;

type CaseViewProps = {
  /** The session's case reference, shown first. */
  current: string | null;
  /** Other case references of this sitting, one click away. */
  recent: ReadonlyArray<string>;
};

/**
 * What was done under a case: searched, previewed, played, sought, downloaded, read, annotated and
 * packed, by recording, newest first, with who and when. Read from the audit log's local mirror (the
 * same query as `custody audit show --case`).
 */
export function CaseView({ current, recent }: CaseViewProps) {
  const api = useCustodyApi();
  const titleId = useId();
  const inputId = useId();
  // Another case looked up here, while the session's stays the same: a case switched in the header is shown instead.
  const [chosen, setChosenUnder] = useState<{ reference: string; under: string | null } | null>(null);
  const shown = chosen && chosen.under === current ? chosen.reference : current;
  const setChosen = (reference: string) => setChosenUnder({ reference, under: current });
  const [draft, setDraft] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [loaded, setLoaded] = useState<{ caseReference: string; page: AuditTrailPage } | null>(null);
  const [error, setError] = useState<UiError | null>(null);
  /** Bumped when main records a new access: the case is read again. */
  const [recorded, setRecorded] = useState(0);

  useEffect(() => {
    if (!shown) return undefined;
    let live = true;
    async function load(caseReference: string) {
      try {
        const page = await api.auditList({ caseReference, limit: caseEntryLimit });
        if (!live) return;
        setLoaded({ caseReference, page });
        setError(null);
      } catch (caught) {
        if (live) setError(toUiError(caught));
        await logIfUnexpected(api, 'case-view', caught);
      }
    }
    void load(shown);
    return () => {
      live = false;
    };
  }, [api, shown, recorded]);

  useEffect(
    () => (shown ? api.on('audit:recorded', (entry) => entry.caseReference === shown && setRecorded((n) => n + 1)) : undefined),
    [api, shown],
  );

  function look(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const parsed = caseReferenceSchema.safeParse(draft);
    if (!parsed.success) {
      setProblem(parsed.error.issues[0]?.message ?? 'Enter a case reference.');
      return;
    }
    setProblem(null);
    setChosen(parsed.data);
  }

  const others = [...new Set([current, ...recent])].filter((r): r is string => r !== null && r !== shown);
  const page = loaded && loaded.caseReference === shown ? loaded.page : null;
  const groups = page ? groupByRecording(page.entries) : [];

  return (
    <main className="section-view section-view--single" data-testid="case-view" aria-labelledby={titleId}>
      <section className="panel section-view__main">
        <div className="panel__header">
          <h2 className="panel__title" id={titleId}>
            Case <span className="panel__title-detail mono" data-testid="case-view-reference">{shown ?? '—'}</span>
          </h2>
          <form className="case-view__lookup" onSubmit={look} noValidate>
            <label htmlFor={inputId} className="visually-hidden">
              Another case reference
            </label>
            <input
              id={inputId}
              type="text"
              className="mono"
              placeholder="Another case reference"
              maxLength={80}
              autoComplete="off"
              spellCheck={false}
              value={draft}
              aria-invalid={problem ? true : undefined}
              data-testid="case-view-input"
              onChange={(e) => setDraft(e.target.value)}
            />
            <button type="submit" className="button button--small" data-testid="case-view-show">
              Show
            </button>
            {others.map((reference) => (
              <button key={reference} type="button" className="button button--small mono" data-testid="case-view-recent" onClick={() => setChosen(reference)}>
                {reference}
              </button>
            ))}
          </form>
        </div>
        {problem ? (
          <p className="field__problem section-view__alert" role="alert">
            {problem}
          </p>
        ) : null}
        {error ? (
          <div className="section-view__alert">
            <ErrorAlert error={error} testId="case-view-error" />
          </div>
        ) : null}
        {!shown ? (
          <p className="empty-state">No case reference is set. Set one from the header (Case), or look one up above.</p>
        ) : !page ? (
          <p className="empty-state">Loading…</p>
        ) : groups.length === 0 ? (
          <p className="empty-state" data-testid="case-view-empty">
            Nothing has been accessed under this case.
          </p>
        ) : (
          <div className="case-view">
            <p className="muted case-view__summary" data-testid="case-view-summary">
              {page.total} recorded access{page.total === 1 ? '' : 'es'} under this case
              {page.total > page.entries.length ? `, the newest ${page.entries.length} shown` : ''}, from the audit log.
            </p>
            {groups.map((group) => (
              <CaseGroup key={group.recordingId ?? 'none'} group={group} />
            ))}
          </div>
        )}
      </section>
    </main>
  );
}

function CaseGroup({ group }: { group: CaseActivityGroup }) {
  return (
    <section className="case-group" data-testid="case-group" data-recording-id={group.recordingId ?? ''}>
      <h3 className="section-title case-group__title">
        {group.recordingId ? (
          <>
            Recording <span className="mono">{group.tradingId ?? 'no trading ID'}</span>{' '}
            <span className="muted mono" title={group.conversationId ? `Conversation ${group.conversationId}` : undefined}>
              {group.recordingId}
            </span>
          </>
        ) : (
          'Searches, packs and other accesses naming no single recording'
        )}
      </h3>
      <table className="case-group__table">
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">What</th>
            <th scope="col">Detail</th>
            <th scope="col">Who</th>
          </tr>
        </thead>
        <tbody>
          {group.entries.map((entry) => (
            <tr key={`${entry.logId}:${entry.seq}`} data-testid="case-entry" data-action={entry.action} data-seq={entry.seq}>
              <td className="nowrap">
                <WallClock iso={entry.time} />
              </td>
              <td>{caseActionLabels[entry.action]}</td>
              <td className="case-group__detail">{entry.summary ?? <span className="muted">—</span>}</td>
              <td title={`${describeOperator(entry.operator)} (${entry.operator.osAccount}) on ${entry.workstation.hostname}`}>
                {operatorHeadline(entry.operator)} <span className="muted">on {entry.workstation.hostname}</span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
