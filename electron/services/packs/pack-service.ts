import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { PackBuildResult } from '../../../shared/ipc/channels/packs';
import type { ReviewJournalRepository } from '../../db/repositories/review-journal-repository';
import type { ApprovalService } from '../approvals/approval-service';
import type { AuditActors } from '../audit/audit-actor';
import { AppError } from '../errors';
import type { Clock } from '../ports';
import type { PackBuilder, PackRequest } from './pack-builder';
import { verifyPack } from './pack-verifier';

/**
 * Evidence packs as the app and the CLI ask for them: build, then verify what was written with the
 * same offline verifier a recipient uses, and remember the pack (SQLite) with its export event.
 */
export class PackService {
  /** The builder alone (no verification afterwards), for benchmarks and callers that verify themselves. */
  readonly builder: PackBuilder;

  constructor(
    private readonly deps: {
      builder: PackBuilder;
      actors: Pick<AuditActors, 'officer'>;
      repository: ReviewJournalRepository;
      packsDir: string;
      clock: Clock;
      approvals: Pick<ApprovalService, 'requireApproval'>;
    },
  ) {
    this.builder = deps.builder;
  }

  async build(request: Readonly<PackRequest>): Promise<PackBuildResult> {
    await this.deps.approvals.requireApproval('export', { caseReference: request.caseReference });
    const result = await this.builder.build(request);
    const verification = await verifyPack(result.path);
    await this.deps.repository.recordPack({
      packId: result.packId,
      caseReference: result.caseReference,
      path: result.path,
      exportEventId: result.exportEventId,
      recordings: result.recordings,
      payloadBytes: result.payloadBytes,
      builtMs: this.deps.clock.now(),
    });
    if (!verification.ok) {
      throw new AppError('STORAGE', `The pack at ${result.path} was written but does not verify: ${verification.problems.map((p) => `${p.file}: ${p.problem}`).join('; ')}`);
    }
    return { ...result, verified: true };
  }

  /** From the UI: selected recordings into the profile's packs folder, named by case and time. */
  async buildSelected(recordingIds: ReadonlyArray<string>, caseReference: string | null, zip: boolean, options: { excerpts?: boolean } = {}): Promise<PackBuildResult> {
    if (!caseReference) throw new AppError('CASE_REFERENCE_REQUIRED', 'A case reference is required before an evidence pack is prepared.');
    // Not even the packs folder is made for an officer who may not export (the builder asks again as it records the export).
    await this.deps.actors.officer('export');
    await mkdir(this.deps.packsDir, { recursive: true, mode: 0o700 });
    const stamp = new Date(this.deps.clock.now()).toISOString().replace(/[:.]/g, '-');
    const name = `${caseReference.replace(/[^A-Za-z0-9-]+/g, '_')}-${stamp}${zip ? '.zip' : ''}`;
    return this.build({ selection: { kind: 'recordings', recordingIds }, caseReference, outPath: join(this.deps.packsDir, name), zip, ...(options.excerpts ? { excerpts: 'all' as const } : {}) });
  }
}
