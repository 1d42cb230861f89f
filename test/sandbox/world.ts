import type { Dataset, SeedAgent, SeedConversation, SeedQueue, SeedRecording } from './dataset';

/** The sandbox's mutable view of the seeded dataset: restores, deletions, transcoding and legal holds. */

export type LiveFileState = 'AVAILABLE' | 'ARCHIVED' | 'RESTORING' | 'RESTORED' | 'DELETED';

type Overlay = {
  deleted?: boolean;
  archiveDate?: string;
  deleteDate?: string;
  restoreRequestedAt?: number;
  transcodeStarted?: boolean;
};

export class SandboxWorld {
  readonly conversations = new Map<string, SeedConversation>();
  readonly agents = new Map<string, SeedAgent>();
  readonly queues = new Map<string, SeedQueue>();
  /** Conversations under deletion protection, in the order they were protected. */
  readonly protectedConversations = new Set<string>();
  private readonly overlays = new Map<string, Overlay>();

  constructor(
    readonly dataset: Dataset,
    private readonly restoreDelayMs: number,
    private readonly now: () => number,
  ) {
    for (const conversation of dataset.conversations) this.conversations.set(conversation.id, conversation);
    for (const agent of dataset.agents) this.agents.set(agent.id, agent);
    for (const queue of dataset.queues) this.queues.set(queue.id, queue);
  }

  recording(conversationId: string, recordingId: string): SeedRecording | undefined {
    return this.conversations.get(conversationId)?.recordings.find((r) => r.id === recordingId);
  }

  fileState(recording: Readonly<SeedRecording>): LiveFileState {
    const overlay = this.overlays.get(recording.id);
    if (overlay?.deleted) return 'DELETED';
    if (overlay?.restoreRequestedAt !== undefined) {
      if (this.now() - overlay.restoreRequestedAt < this.restoreDelayMs) return 'RESTORING';
      // A restore lasts until the new archive date, then the recording goes back to the archive.
      return Date.parse(this.archiveDate(recording)) > this.now() ? 'RESTORED' : 'ARCHIVED';
    }
    return recording.fileState;
  }

  mediaAvailable(recording: Readonly<SeedRecording>): boolean {
    const state = this.fileState(recording);
    return state === 'AVAILABLE' || state === 'RESTORED';
  }

  archiveDate(recording: Readonly<SeedRecording>): string {
    return this.overlays.get(recording.id)?.archiveDate ?? recording.archiveDate;
  }

  deleteDate(recording: Readonly<SeedRecording>): string {
    return this.overlays.get(recording.id)?.deleteDate ?? recording.deleteDate;
  }

  restoreExpirationTime(recording: Readonly<SeedRecording>): string | undefined {
    const overlay = this.overlays.get(recording.id);
    return overlay?.restoreRequestedAt !== undefined ? overlay.archiveDate : undefined;
  }

  /** True exactly once per transcoding recording: the request that starts the transcode gets 202. */
  beginTranscode(recording: Readonly<SeedRecording>): boolean {
    if (!recording.transcodeOnFirstRequest) return false;
    const overlay = this.overlay(recording.id);
    if (overlay.transcodeStarted) return false;
    overlay.transcodeStarted = true;
    return true;
  }

  transcodeStarted(recording: Readonly<SeedRecording>): boolean {
    return this.overlays.get(recording.id)?.transcodeStarted === true;
  }

  /** Changes retention dates; a new archive date on an archived recording restores it until that date. */
  updateRetention(recording: Readonly<SeedRecording>, change: { archiveDate?: string; deleteDate?: string }): void {
    const overlay = this.overlay(recording.id);
    const state = this.fileState(recording);
    if (change.deleteDate !== undefined) overlay.deleteDate = change.deleteDate;
    if (change.archiveDate !== undefined) {
      overlay.archiveDate = change.archiveDate;
      if (state === 'ARCHIVED') overlay.restoreRequestedAt = this.now();
    }
  }

  delete(recording: Readonly<SeedRecording>): void {
    this.overlay(recording.id).deleted = true;
  }

  agentOf(conversation: Readonly<SeedConversation>): SeedAgent {
    const agent = this.agents.get(conversation.agentId);
    if (!agent) throw new Error(`dataset has no agent ${conversation.agentId}`);
    return agent;
  }

  queueOf(conversation: Readonly<SeedConversation>): SeedQueue {
    const queue = this.queues.get(conversation.queueId);
    if (!queue) throw new Error(`dataset has no queue ${conversation.queueId}`);
    return queue;
  }

  private overlay(recordingId: string): Overlay {
    let overlay = this.overlays.get(recordingId);
    if (!overlay) {
      overlay = {};
      this.overlays.set(recordingId, overlay);
    }
    return overlay;
  }
}
