import type { RecordingMatch } from '../../../shared/domain';

export function FileStateBadge({ state }: { state: RecordingMatch['fileState'] }) {
  if (state === null) return <span className="muted">—</span>;
  return <span className={`badge badge--state badge--${state.toLowerCase()}`}>{state.toLowerCase()}</span>;
}
