import { useEffect, useId, useState, type ReactNode } from 'react';
import type { ArchiveCopy, RecordingDetail, RecordingMatch, SessionInfo } from '../../../shared/domain';
import { useCustodyApi } from '../api';
import { logIfUnexpected, toUiError, type UiError } from '../errors';
import { formatDurationMs, formatLocalTime, formatUtcTime } from '../format';
import { AnnotationsPanel } from './AnnotationsPanel';
import { AuditedPlayer } from './AuditedPlayer';
import { ErrorAlert } from './ErrorAlert';
import { FileStateBadge } from './FileStateBadge';
import { TranscriptPane } from './TranscriptPane';

type Detail = { kind: 'loading' } | { kind: 'loaded'; detail: RecordingDetail } | { kind: 'failed'; error: UiError };

type RecordingViewProps = {
  match: RecordingMatch;
  caseReference: string | null;
  onSessionChange(session: SessionInfo): void;
};

/** One recording: its metadata and, once the access is in the WORM audit log, its audio. */
export function RecordingView({ match, caseReference, onSessionChange }: RecordingViewProps) {
  const api = useCustodyApi();
  const titleId = useId();
  const { recordingId } = match;
  const [detail, setDetail] = useState<Detail>({ kind: 'loading' });

  useEffect(() => {
    if (!recordingId) return;
    let current = true;
    async function load(id: string) {
      try {
        const loaded = await api.recordingsGet({ recordingId: id });
        if (current) setDetail({ kind: 'loaded', detail: loaded });
      } catch (caught) {
        if (current) setDetail({ kind: 'failed', error: toUiError(caught) });
        await logIfUnexpected(api, 'recording-view', caught);
      }
    }
    void load(recordingId);
    return () => {
      current = false;
    };
  }, [api, recordingId]);

  const shown: RecordingMatch = detail.kind === 'loaded' ? detail.detail : match;

  return (
    <section className="panel recording-view" data-testid="recording-view" aria-labelledby={titleId}>
      <div className="panel__header">
        <h2 className="panel__title" id={titleId}>
          Recording{' '}
          <span className="panel__title-detail mono">
            {shown.tradingId ?? <span className="badge badge--missing">No trading ID</span>}
          </span>
        </h2>
      </div>

      <dl className="meta">
        <MetaRow label="Conversation ID" mono>
          {shown.conversationId}
        </MetaRow>
        <MetaRow label="Recording ID" mono>
          {shown.recordingId ?? <span className="muted">none</span>}
        </MetaRow>
        <MetaRow label="Trading ID" mono>
          {shown.tradingId ?? (
            <span className="badge badge--missing" title="A recording without business identifiers is a MiFID II finding.">
              Missing
            </span>
          )}
        </MetaRow>
        <MetaRow label="Client account" mono>
          {shown.clientAccount ?? <span className="muted">—</span>}
        </MetaRow>
        <MetaRow label="Agent">{shown.agent ?? <span className="muted">—</span>}</MetaRow>
        <MetaRow label="Queue">{shown.queue ?? <span className="muted">—</span>}</MetaRow>
        <MetaRow label="Direction">{shown.direction ?? <span className="muted">—</span>}</MetaRow>
        <MetaRow label="Start">
          <TimeValue iso={shown.startTime} />
        </MetaRow>
        <MetaRow label="End">{shown.endTime ? <TimeValue iso={shown.endTime} /> : <span className="muted">—</span>}</MetaRow>
        <MetaRow label="Duration">{formatDurationMs(shown.durationMs)}</MetaRow>
        <MetaRow label="File">
          <FileStateBadge state={shown.fileState} />
        </MetaRow>
      </dl>

      {detail.kind === 'loaded' && detail.detail.archive ? <ArchiveCopyInfo copy={detail.detail.archive} /> : null}

      <div className="participants">
        <h3 className="section-title">Participants</h3>
        {!recordingId ? (
          <p className="muted">No recording exists for this conversation.</p>
        ) : detail.kind === 'loading' ? (
          <p className="muted">Loading…</p>
        ) : detail.kind === 'failed' ? (
          <ErrorAlert error={detail.error} testId="recording-detail-error" />
        ) : detail.detail.participants.length === 0 ? (
          <p className="muted">None recorded.</p>
        ) : (
          <ul className="participant-list" data-testid="participants">
            {detail.detail.participants.map((p, i) => (
              <li key={`${p.purpose}-${p.userId ?? i}`}>
                <span className="participant__purpose">{p.purpose}</span>
                <span>{p.name ?? p.userId ?? <span className="muted">unknown</span>}</span>
              </li>
            ))}
          </ul>
        )}
      </div>
      <AuditedPlayer recordingId={recordingId} startedAtMs={Date.parse(shown.startTime)} caseReference={caseReference} onSessionChange={onSessionChange}>
        {recordingId ? (
          <>
            <TranscriptPane recordingId={recordingId} />
            <AnnotationsPanel recordingId={recordingId} />
          </>
        ) : null}
      </AuditedPlayer>
    </section>
  );
}

const tierText: Record<ArchiveCopy['tier'], string> = {
  online: 'readable now',
  archived: 'in cold storage: a restore is needed before playback',
  restoring: 'being restored from cold storage',
  restored: 'restored from cold storage',
  unknown: 'state unknown (the store did not answer)',
};

function ArchiveCopyInfo({ copy }: { copy: ArchiveCopy }) {
  return (
    <div className="archive-copy" data-testid="archive-copy" data-tier={copy.tier}>
      <h3 className="section-title">WORM archive copy</h3>
      <p>
        Retained until <span className="mono">{copy.retainUntil.slice(0, 10)}</span>
        {' · '}legal hold {copy.legalHold === null ? 'unknown' : copy.legalHold ? <strong data-testid="archive-legal-hold">ON</strong> : 'off'}
        {' · '}
        {copy.storageClass ? `${copy.storageClass}, ` : ''}
        {tierText[copy.tier]}
        {copy.restoreExpiresAt ? ` until ${copy.restoreExpiresAt.slice(0, 10)}` : ''}
      </p>
      <p className="mono hash">{copy.key}</p>
    </div>
  );
}

export function MetaRow({ label, mono = false, children }: { label: string; mono?: boolean; children: ReactNode }) {
  return (
    <div className="meta__row">
      <dt>{label}</dt>
      <dd className={mono ? 'mono' : undefined}>{children}</dd>
    </div>
  );
}

function TimeValue({ iso }: { iso: string }) {
  return (
    <time dateTime={iso} title={formatUtcTime(iso)}>
      {formatLocalTime(iso)} <span className="muted">{formatUtcTime(iso)}</span>
    </time>
  );
}
