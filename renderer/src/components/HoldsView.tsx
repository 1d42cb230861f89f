import { useEffect, useId, useState, type FormEvent } from 'react';
import type { SessionInfo } from '../../../shared/domain';
import { holdReasonSchema, placeHoldRequestSchema, type HoldView } from '../../../shared/holds';
import { useCustodyApi } from '../api';
import { issuesFromZod, logIfUnexpected, toUiError, type UiError } from '../errors';
import { formatLocalTime, formatUtcTime } from '../format';
import { ErrorAlert } from './ErrorAlert';

const fieldLabels = { tradingId: 'Trading ID', caseReference: 'Case reference', reason: 'Reason' };

type HoldsViewProps = { session: SessionInfo | null };

/**
 * Legal holds: place one on a trade (S3 legal hold on its archived copies, Genesys deletion
 * protection on its calls), and release it under four-eyes: one officer requests, another approves.
 */
export function HoldsView({ session }: HoldsViewProps) {
  const api = useCustodyApi();
  const titleId = useId();
  const [holds, setHolds] = useState<Array<HoldView> | null>(null);
  const [includeReleased, setIncludeReleased] = useState(false);
  const [error, setError] = useState<UiError | null>(null);
  const [reloads, setReloads] = useState(0);

  useEffect(() => {
    let current = true;
    async function load() {
      try {
        const listed = await api.holdsList({ includeReleased });
        if (current) setHolds(listed.holds);
      } catch (caught) {
        if (current) setError(toUiError(caught));
        await logIfUnexpected(api, 'holds', caught);
      }
    }
    void load();
    return () => {
      current = false;
    };
  }, [api, includeReleased, reloads]);

  async function act(run: () => Promise<unknown>): Promise<boolean> {
    setError(null);
    try {
      await run();
      setReloads((n) => n + 1);
      return true;
    } catch (caught) {
      setError(toUiError(caught));
      await logIfUnexpected(api, 'holds', caught);
      return false;
    }
  }

  return (
    <main className="section-view" data-testid="holds-view" aria-labelledby={titleId}>
      <section className="panel section-view__side">
        <div className="panel__header">
          <h2 className="panel__title" id={titleId}>
            Place a legal hold
          </h2>
        </div>
        <PlaceHoldForm defaultCase={session?.caseReference ?? ''} onPlace={(request) => act(() => api.holdsPlace(request))} />
      </section>
      <section className="panel section-view__main" aria-label="Legal holds">
        <div className="panel__header">
          <h2 className="panel__title">Legal holds</h2>
          <label className="checkbox">
            <input type="checkbox" checked={includeReleased} onChange={(e) => setIncludeReleased(e.target.checked)} data-testid="holds-show-released" />
            Show released
          </label>
        </div>
        {error ? (
          <div className="section-view__alert">
            <ErrorAlert error={error} fieldLabels={fieldLabels} testId="holds-error" />
          </div>
        ) : null}
        {holds === null ? (
          <p className="empty-state">Loading…</p>
        ) : holds.length === 0 ? (
          <p className="empty-state" data-testid="holds-empty">
            No {includeReleased ? '' : 'open '}legal holds.
          </p>
        ) : (
          <ul className="hold-list">
            {holds.map((hold) => (
              <HoldCard
                key={hold.id}
                hold={hold}
                onRequestRelease={(reason) => act(() => api.holdsRequestRelease({ holdId: hold.id, reason }))}
                onApprove={() => act(() => api.holdsApproveRelease({ holdId: hold.id }))}
              />
            ))}
          </ul>
        )}
      </section>
    </main>
  );
}

function PlaceHoldForm({ defaultCase, onPlace }: { defaultCase: string; onPlace(request: { tradingId: string; caseReference: string; reason: string }): Promise<boolean> }) {
  const [tradingId, setTradingId] = useState('');
  const [caseReference, setCaseReference] = useState(defaultCase);
  const [reason, setReason] = useState('');
  const [problems, setProblems] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const parsed = placeHoldRequestSchema.safeParse({ tradingId, caseReference, reason });
    if (!parsed.success) {
      setProblems(Object.fromEntries(issuesFromZod(parsed.error.issues).map((i) => [i.field ?? 'form', i.message])));
      return;
    }
    setProblems({});
    setBusy(true);
    const placed = await onPlace(parsed.data);
    setBusy(false);
    if (placed) {
      setTradingId('');
      setReason('');
    }
  }

  const field = (name: 'tradingId' | 'caseReference', value: string, set: (v: string) => void, placeholder: string) => (
    <div className="field">
      <label htmlFor={`hold-${name}`}>{fieldLabels[name]}</label>
      <input
        id={`hold-${name}`}
        type="text"
        value={value}
        placeholder={placeholder}
        aria-invalid={problems[name] ? true : undefined}
        data-testid={name === 'tradingId' ? 'hold-trading-id' : 'hold-case'}
        onChange={(e) => set(e.target.value)}
      />
      {problems[name] ? <p className="field__problem">{problems[name]}</p> : null}
    </div>
  );

  return (
    <form className="search-form" onSubmit={submit} noValidate>
      {field('tradingId', tradingId, setTradingId, 'T-20261102-0036')}
      {field('caseReference', caseReference, setCaseReference, 'FCA-2026-0142')}
      <div className="field">
        <label htmlFor="hold-reason">Reason</label>
        <textarea id="hold-reason" rows={3} value={reason} aria-invalid={problems.reason ? true : undefined} data-testid="hold-reason" onChange={(e) => setReason(e.target.value)} />
        {problems.reason ? <p className="field__problem">{problems.reason}</p> : null}
      </div>
      <p className="field__hint">
        Holds every archived copy of the trade in the WORM archive (S3 legal hold) and protects its calls from deletion in Genesys. Written to the audit log first.
      </p>
      <div className="search-form__actions">
        <button type="submit" className="button button--primary" disabled={busy} data-testid="hold-place">
          {busy ? 'Placing…' : 'Place hold'}
        </button>
      </div>
    </form>
  );
}

type HoldCardProps = {
  hold: HoldView;
  onRequestRelease(reason: string): Promise<boolean>;
  onApprove(): Promise<boolean>;
};

function HoldCard({ hold, onRequestRelease, onApprove }: HoldCardProps) {
  const [asking, setAsking] = useState(false);
  const [reason, setReason] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const requestedBySelf = hold.releaseRequest?.requestedByYou === true;

  async function request(event: FormEvent) {
    event.preventDefault();
    const parsed = holdReasonSchema.safeParse(reason);
    if (!parsed.success) {
      setProblem(parsed.error.issues[0]?.message ?? 'invalid');
      return;
    }
    setProblem(null);
    if (await onRequestRelease(parsed.data)) setAsking(false);
  }

  return (
    <li className={`hold-card hold-card--${hold.state}`} data-testid="hold-row" data-hold-id={hold.id} data-state={hold.state}>
      <div className="hold-card__head">
        <span className="mono hold-card__trade">{hold.tradingId}</span>
        <span className={`badge badge--hold badge--hold-${hold.state}`} data-testid="hold-state">
          {hold.state.replace('-', ' ')}
        </span>
        {!hold.complete && hold.state !== 'released' ? <span className="badge badge--missing">incomplete</span> : null}
        <span className="hold-card__case mono">{hold.caseReference}</span>
      </div>
      <p className="hold-card__reason">{hold.reason}</p>
      <dl className="hold-card__facts">
        <div>
          <dt>Placed</dt>
          <dd>
            {hold.placedBy.name} <span className="muted">({hold.placedBy.osAccount})</span>, <Time iso={hold.placedAt} />
          </dd>
        </div>
        <div>
          <dt>WORM archive</dt>
          <dd data-testid="hold-objects">
            {hold.objects.held} object version{hold.objects.held === 1 ? '' : 's'} under S3 legal hold
            {hold.objects.failed ? <span className="hold-card__bad">, {hold.objects.failed} failed</span> : null}
            {hold.objects.released ? `, ${hold.objects.released} released` : null}
            {hold.objects.kept ? `, ${hold.objects.kept} kept by another hold` : null}
          </dd>
        </div>
        <div>
          <dt>Genesys</dt>
          <dd data-testid="hold-conversations">
            {hold.conversations.protected} of {hold.conversations.total} call{hold.conversations.total === 1 ? '' : 's'} deletion-protected
            {hold.conversations.capReached ? <span className="hold-card__bad">, {hold.conversations.capReached} over the cap</span> : null}
            {hold.conversations.failed ? <span className="hold-card__bad">, {hold.conversations.failed} failed</span> : null}
            {hold.conversations.released ? `, ${hold.conversations.released} released` : null}
          </dd>
        </div>
        {hold.releaseRequest ? (
          <div>
            <dt>Release asked</dt>
            <dd data-testid="hold-release-request">
              {hold.releaseRequest.by.name}, <Time iso={hold.releaseRequest.at} />: {hold.releaseRequest.reason}
            </dd>
          </div>
        ) : null}
        {hold.released ? (
          <div>
            <dt>Released</dt>
            <dd data-testid="hold-released">
              approved by {hold.released.by.name}, <Time iso={hold.released.at} />
            </dd>
          </div>
        ) : null}
      </dl>
      {hold.notes.length > 0 ? (
        <ul className="hold-card__notes">
          {hold.notes.map((note) => (
            <li key={note}>{note}</li>
          ))}
        </ul>
      ) : null}

      {hold.state === 'active' && !asking ? (
        <div className="hold-card__actions">
          <button type="button" className="button" data-testid="hold-request-release" onClick={() => setAsking(true)}>
            Request release…
          </button>
        </div>
      ) : null}
      {hold.state === 'active' && asking ? (
        <form className="hold-card__release" onSubmit={request} noValidate>
          <label htmlFor={`release-${hold.id}`}>Why may the hold be lifted?</label>
          <input id={`release-${hold.id}`} type="text" value={reason} aria-invalid={problem ? true : undefined} data-testid="hold-release-reason" onChange={(e) => setReason(e.target.value)} />
          {problem ? <p className="field__problem">{problem}</p> : null}
          <div className="hold-card__actions">
            <button type="submit" className="button button--primary" data-testid="hold-release-submit">
              Request release
            </button>
            <button type="button" className="button" onClick={() => setAsking(false)}>
              Cancel
            </button>
          </div>
          <p className="field__hint">Another officer must approve before anything is unlocked (four-eyes).</p>
        </form>
      ) : null}
      {hold.state === 'release-requested' || hold.state === 'releasing' ? (
        <div className="hold-card__actions">
          <button type="button" className="button button--primary" data-testid="hold-approve" disabled={requestedBySelf} onClick={onApprove}>
            Approve release
          </button>
          {requestedBySelf ? (
            <span className="hold-card__four-eyes" data-testid="hold-four-eyes-note">
              You asked for this release: another officer must approve it.
            </span>
          ) : null}
        </div>
      ) : null}
    </li>
  );
}

function Time({ iso }: { iso: string }) {
  return (
    <time dateTime={iso} title={formatUtcTime(iso)}>
      {formatLocalTime(iso)}
    </time>
  );
}
