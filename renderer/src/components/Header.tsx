import type { SessionInfo } from '../../../shared/domain';
import type { OfficerView } from '../../../shared/ipc/channels/auth';
import { formatLocalTime } from '../format';
import { describeIndexStatus, type IndexStatus } from '../index-status';
import { useNow } from '../use-now';

type HeaderProps = {
  session: SessionInfo | null;
  indexStatus: IndexStatus | null;
  /** The officer's app: who is signed in (null: nobody yet). Absent in a regulator's review, which names its reviewer. */
  officer?: { view: OfficerView | null; onSignOut: () => void; signingOut: boolean };
};

export function Header({ session, indexStatus, officer }: HeaderProps) {
  const now = useNow(30_000);
  const index = indexStatus ? describeIndexStatus(indexStatus, now) : null;
  return (
    <header className="app-header" data-testid="app-header">
      <div className="app-header__brand">
        <span className="app-header__logo" aria-hidden="true" />
        <h1 className="app-header__name">Custody</h1>
        {session ? <span className="tag tag--profile" title="Profile">{session.profile}</span> : null}
      </div>
      <dl className="app-header__facts">
        {officer ? (
          <OfficerFact view={officer.view} now={now} />
        ) : (
          <div className="fact">
            <dt>Reviewer</dt>
            <dd data-testid="header-operator">
              {session ? (
                <>
                  {session.operator.name} <span className="muted">({session.operator.osAccount})</span>
                </>
              ) : (
                '…'
              )}
            </dd>
          </div>
        )}
        <div className="fact">
          <dt>Workstation</dt>
          <dd data-testid="header-workstation">{session ? session.workstation.hostname : '…'}</dd>
        </div>
        <div className="fact">
          <dt>Case</dt>
          <dd data-testid="header-case-reference">
            {session?.caseReference ? (
              <span className="mono">{session.caseReference}</span>
            ) : (
              <span className="muted">No case reference</span>
            )}
          </dd>
        </div>
        <div className="fact fact--index">
          <dt>Index</dt>
          <dd data-testid="header-index" className={index ? `index-status index-status--${index.tone}` : undefined}>
            {index ? (
              <>
                <span className="index-status__dot" aria-hidden="true" />
                <span title={index.title ?? undefined}>{index.text}</span>
                {index.warning ? (
                  <span className="index-status__warning" role="status">
                    {index.warning}
                  </span>
                ) : null}
              </>
            ) : (
              '…'
            )}
          </dd>
        </div>
      </dl>
      {officer?.view ? (
        <button
          type="button"
          className="app-header__sign-out"
          data-testid="sign-out"
          disabled={officer.signingOut}
          onClick={officer.onSignOut}
        >
          {officer.signingOut ? 'Signing out…' : 'Sign out'}
        </button>
      ) : null}
    </header>
  );
}

/** The signed-in officer, as Genesys named her, and until when her access token runs (it renews on use). */
function OfficerFact({ view, now }: { view: OfficerView | null; now: number }) {
  const expiresAt = view?.accessExpiresAt ? Date.parse(view.accessExpiresAt) : null;
  const missing = view ? view.permissions.filter((p) => !p.granted).map((p) => p.permission) : [];
  return (
    <div className="fact">
      <dt>Officer</dt>
      <dd data-testid="header-officer" title={view ? `${view.name} <${view.email}> (Genesys user ${view.genesysUserId})` : undefined}>
        {view ? (
          <>
            <span data-testid="header-officer-name">{view.name}</span>{' '}
            <span className="muted" data-testid="header-officer-expiry">
              {expiresAt !== null && expiresAt > now
                ? // Tokens live from minutes to 48 h (Genesys's default: 24 h): the time of day alone only when it is close.
                  `· access until ${formatLocalTime(view.accessExpiresAt!).slice(expiresAt - now < 12 * 3_600_000 ? 11 : 0, 16)}`
                : '· access renews on next use'}
            </span>
            {missing.length > 0 ? (
              <span className="app-header__missing" data-testid="header-officer-missing">
                Missing Genesys permission{missing.length > 1 ? 's' : ''}: {missing.join(', ')}
              </span>
            ) : null}
          </>
        ) : (
          <span className="muted">Not signed in</span>
        )}
      </dd>
    </div>
  );
}
