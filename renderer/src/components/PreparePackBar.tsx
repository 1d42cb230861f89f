import { useEffect, useState } from 'react';
import type { RecordingMatch, SessionInfo } from '../../../shared/domain';
import type { PackBuildResult } from '../../../shared/ipc/channels/packs';
import type { EventPayload } from '../../../shared/ipc/contract';
import { useCustodyApi } from '../api';
import { attempts, isCustodyError, logIfUnexpected, toUiError, type UiError } from '../errors';
import { CaseReferenceDialog } from './CaseReferenceDialog';
import { ErrorAlert } from './ErrorAlert';

type State =
  | { kind: 'idle' }
  | { kind: 'asking-case-reference' }
  | { kind: 'building'; progress: EventPayload<'packs:progress'> | null }
  | { kind: 'built'; result: PackBuildResult }
  | { kind: 'failed'; error: UiError };

type PreparePackBarProps = {
  selected: ReadonlyArray<RecordingMatch>;
  caseReference: string | null;
  onSessionChange(session: SessionInfo): void;
  onBuilt(): void;
};

/** "Prepare evidence pack": the selected recordings into a signed, self-verifying pack; the export is audited first. */
export function PreparePackBar({ selected, caseReference, onSessionChange, onBuilt }: PreparePackBarProps) {
  const api = useCustodyApi();
  const [state, setState] = useState<State>({ kind: 'idle' });
  const [zip, setZip] = useState(false);
  const [excerpts, setExcerpts] = useState(false);

  useEffect(
    () =>
      api.on('packs:progress', (progress) =>
        setState((previous) => (previous.kind === 'building' ? { kind: 'building', progress } : previous)),
      ),
    [api],
  );

  async function build() {
    const recordingIds = selected.map((m) => m.recordingId).filter((id): id is string => id !== null);
    setState({ kind: 'building', progress: null });
    try {
      const result = await api.packsBuild({ recordingIds, zip, excerpts });
      setState({ kind: 'built', result });
      onBuilt();
    } catch (caught) {
      if (isCustodyError(caught, 'CASE_REFERENCE_REQUIRED')) setState({ kind: 'asking-case-reference' });
      else {
        setState({ kind: 'failed', error: toUiError(caught) });
        await logIfUnexpected(api, 'prepare-pack', caught);
      }
    }
  }

  async function prepare() {
    if (!caseReference) {
      setState({ kind: 'asking-case-reference' });
      return;
    }
    await build();
  }

  async function submitCaseReference(reference: string) {
    onSessionChange(await api.sessionSetCaseReference({ caseReference: reference }));
    await build();
  }

  if (selected.length === 0 && state.kind === 'idle') return null;
  return (
    <div className="pack-bar" data-testid="pack-bar">
      <div className="pack-bar__row">
        <span>
          {selected.length} recording{selected.length === 1 ? '' : 's'} selected
        </span>
        <label className="pack-bar__zip">
          <input type="checkbox" checked={zip} onChange={(e) => setZip(e.target.checked)} data-testid="pack-zip" /> as one .zip
        </label>
        <label className="pack-bar__zip">
          <input type="checkbox" checked={excerpts} onChange={(e) => setExcerpts(e.target.checked)} data-testid="pack-excerpts" /> Include annotated excerpts
        </label>
        <button
          type="button"
          className="button button--primary"
          data-testid="prepare-pack"
          disabled={selected.length === 0 || state.kind === 'building'}
          onClick={prepare}
        >
          {state.kind === 'building' ? 'Preparing…' : 'Prepare evidence pack'}
        </button>
      </div>
      {state.kind === 'building' && state.progress ? (
        <p className="muted" role="status">
          {state.progress.stage} {state.progress.done}/{state.progress.total}
        </p>
      ) : null}
      {state.kind === 'built' ? <PackReceipt result={state.result} /> : null}
      {state.kind === 'failed' ? <ErrorAlert error={state.error} attempt={attempts.export} testId="pack-error" /> : null}
      {state.kind === 'asking-case-reference' ? (
        <CaseReferenceDialog onSubmit={submitCaseReference} onCancel={() => setState({ kind: 'idle' })} />
      ) : null}
    </div>
  );
}

/** A written pack: where it is, what it holds, the export's audit record and the signing key. */
export function PackReceipt({ result }: { result: PackBuildResult }) {
  return (
    <div className="receipt" role="status" data-testid="pack-result" data-pack-path={result.path}>
      <p>
        Evidence pack written and verified: <span className="mono">{result.path}</span>
      </p>
      <p>
        {result.recordings} recording(s), case <span className="mono">{result.caseReference}</span>; export recorded as{' '}
        <span className="mono">{result.exportEventId}</span>; signed with key <span className="mono">{result.signingKeyId.slice(0, 16)}…</span>
      </p>
    </div>
  );
}
