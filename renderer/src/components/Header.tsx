import { useState } from 'react';
import type { SessionInfo } from '../../../shared/domain';
import type { HealthStatus, Reachability } from '../../../shared/health';
import type { OfficerView } from '../../../shared/ipc/channels/auth';
import { formatLocalTime } from '../format';
import { describeIndexStatus, type IndexStatus } from '../index-status';
import { useTimeDisplay, wallClockTexts } from '../time-display';
import { useNow } from '../use-now';
import { CaseReferenceDialog } from './CaseReferenceDialog';

type HeaderProps = {
  session: SessionInfo | null;
  indexStatus: IndexStatus | null;
  /** The officer's app: who is signed in (null: nobody yet). Absent in a regulator's review, which names its reviewer. */
  officer?: { view: OfficerView | null; onSignOut: () => void; signingOut: boolean };
  /** Whether the WORM store and Genesys answer (the officer's app only). */
  health?: HealthStatus | null;
  /** Changing the case reference at any time (the officer's app only): later accesses are recorded under the new one. */
  caseSwitch?: { recent: ReadonlyArray<string>; onSwitch(caseReference: string): Promise<void> };
};

export function Header({ session, indexStatus, officer, health, caseSwitch }: HeaderProps) {
  const now = useNow(30_000);
  const index = indexStatus ? describeIndexStatus(indexStatus, now) : null;
  const [switching, setSwitching] = useState(false);
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
          <dd>
            <span data-testid="header-case-reference">
              {session?.caseReference ? (
                <span className="mono">{session.caseReference}</span>
              ) : (
                <span className="muted">No case reference</span>
              )}
            </span>
            {caseSwitch ? (
              <button type="button" className="app-header__link" data-testid="case-switch" onClick={() => setSwitching(true)}>
                {session?.caseReference ? 'Change' : 'Set'}
              </button>
            ) : null}
          </dd>
        </div>
        {health !== undefined ? <HealthFact health={health} /> : null}
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
      <TimeFirstToggle />
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
      {switching && caseSwitch ? (
        <CaseReferenceDialog
          question="Which case are you working on now? Plays under the previous case end."
          submitLabel="Switch case"
          recent={caseSwitch.recent.filter((reference) => reference !== session?.caseReference)}
          onSubmit={async (reference) => {
            await caseSwitch.onSwitch(reference);
            setSwitching(false);
          }}
          onCancel={() => setSwitching(false)}
        />
      ) : null}
    </header>
  );
}

/** Which clock comes first wherever a wall-clock time is shown; both are always shown. */
function TimeFirstToggle() {
  const { first, setFirst } = useTimeDisplay();
  return (
    <div className="app-header__toggle" role="group" aria-label="Times shown" data-testid="time-first">
      <button type="button" aria-pressed={first === 'local'} data-testid="time-first-local" onClick={() => setFirst('local')}>
        Local time first
      </button>
      <button type="button" aria-pressed={first === 'utc'} data-testid="time-first-utc" onClick={() => setFirst('utc')}>
        UTC first
      </button>
    </div>
  );
}

const reachText: Record<Reachability['state'], string> = { unknown: 'not checked yet', reachable: 'reachable', unreachable: 'unreachable' };

/** The WORM store and Genesys, each green or red, with the time of the last check (a probe or a real call). */
function HealthFact({ health }: { health: HealthStatus | null }) {
  const { first } = useTimeDisplay();
  const checks = health ? [health.worm.checkedAt, health.genesys.checkedAt].filter((t): t is string => t !== null).sort() : [];
  const last = checks.at(-1);
  const down = health !== null && (health.worm.state === 'unreachable' || health.genesys.state === 'unreachable');
  return (
    <div className="fact fact--health">
      <dt>Reach</dt>
      <dd>
        <span className="health-facts" data-testid="header-health" data-state={health === null ? 'unknown' : down ? 'unreachable' : 'reachable'} role="status">
        {health ? (
          <>
            <Reach name="WORM store" testId="health-worm" reach={health.worm} />
            <Reach name="Genesys" testId="health-genesys" reach={health.genesys} />
            {last ? (
              <span className="muted" data-testid="health-checked" title={wallClockTexts(last, first).join(' · ')}>
                checked {wallClockTexts(last, first)[0].slice(11)}
              </span>
            ) : null}
          </>
        ) : (
          '…'
        )}
        </span>
      </dd>
    </div>
  );
}

function Reach({ name, testId, reach }: { name: string; testId: string; reach: Reachability }) {
  return (
    <span
      className={`health health--${reach.state}`}
      data-testid={testId}
      data-state={reach.state}
      title={reach.message ? `${name} ${reachText[reach.state]}: ${reach.message}` : `${name} ${reachText[reach.state]}`}
    >
      <span className="health__dot" aria-hidden="true" />
      {name}
      {reach.state === 'unreachable' ? <strong> unreachable</strong> : <span className="visually-hidden"> {reachText[reach.state]}</span>}
    </span>
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
