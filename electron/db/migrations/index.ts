import { sql as initial } from './0010-initial';
import { sql as bulkJobs } from './0020-bulk-jobs';
import { sql as auditTrail } from './0030-audit-trail';
import { sql as archiveHolds } from './0040-archive-holds';
import { sql as reviewJournal } from './0050-review-journal';
import { sql as dropRedundantIndexes } from './0060-drop-redundant-indexes';
import { sql as reviewJournalKeyed } from './0070-review-journal-keyed';
import { sql as dropWaveforms } from './0080-drop-waveforms';
import { sql as auditEventItems } from './0090-audit-event-items';
import { sql as auditOperatorIdentity } from './0100-audit-operator-identity';
import { sql as jobOfficer } from './0110-job-officer';
import { sql as holdApprovals } from './0120-hold-approvals';
import { sql as annotations } from './0130-annotations';
import { sql as transcripts } from './0140-transcripts';
import { sql as reviewJournalSeekTranscript } from './0150-review-journal-seek-transcript';
import { sql as trades } from './0160-trades';
import { sql as timeOrderedSearch } from './0170-time-ordered-search';
import { sql as saidNgramsAndListedRecordings } from './0180-said-ngrams-and-listed-recordings';
import { sql as siemDelivery } from './0190-siem-delivery';
import { sql as catalog } from './0200-catalog';
import { sql as witness } from './0230-witness';
import { sql as auditMirrorAtScale } from './0240-audit-mirror-at-scale';

export type Migration = { version: number; name: string; sql: string };

/**
 * Append-only, numbered in steps of 10. SQL lives in numbered TypeScript modules rather than .sql
 * files so that it survives bundling into the Electron main bundle without a copy step.
 */
export const migrations: ReadonlyArray<Migration> = [
  { version: 10, name: 'initial', sql: initial },
  { version: 20, name: 'bulk-jobs', sql: bulkJobs },
  { version: 30, name: 'audit-trail', sql: auditTrail },
  { version: 40, name: 'archive-holds', sql: archiveHolds },
  { version: 50, name: 'review-journal', sql: reviewJournal },
  { version: 60, name: 'drop-redundant-indexes', sql: dropRedundantIndexes },
  { version: 70, name: 'review-journal-keyed', sql: reviewJournalKeyed },
  { version: 80, name: 'drop-waveforms', sql: dropWaveforms },
  { version: 90, name: 'audit-event-items', sql: auditEventItems },
  { version: 100, name: 'audit-operator-identity', sql: auditOperatorIdentity },
  { version: 110, name: 'job-officer', sql: jobOfficer },
  { version: 120, name: 'hold-approvals', sql: holdApprovals },
  { version: 130, name: 'annotations', sql: annotations },
  { version: 140, name: 'transcripts', sql: transcripts },
  { version: 150, name: 'review-journal-seek-transcript', sql: reviewJournalSeekTranscript },
  { version: 160, name: 'trades', sql: trades },
  { version: 170, name: 'time-ordered-search', sql: timeOrderedSearch },
  { version: 180, name: 'said-ngrams-and-listed-recordings', sql: saidNgramsAndListedRecordings },
  { version: 190, name: 'siem-delivery', sql: siemDelivery },
  { version: 200, name: 'catalog', sql: catalog },
  { version: 230, name: 'witness', sql: witness },
  { version: 240, name: 'audit-mirror-at-scale', sql: auditMirrorAtScale },
];
