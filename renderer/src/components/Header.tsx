import type { SessionInfo } from '../../../shared/domain';
import { describeIndexStatus, type IndexStatus } from '../index-status';
import { useNow } from '../use-now';

type HeaderProps = {
  session: SessionInfo | null;
  indexStatus: IndexStatus | null;
};

export function Header({ session, indexStatus }: HeaderProps) {
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
        <div className="fact">
          <dt>Operator</dt>
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
    </header>
  );
}
