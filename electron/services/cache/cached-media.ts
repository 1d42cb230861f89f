import type { MediaRecord } from '../../db/repositories/media-repository';
import type { RangeSource } from '../storage/durable-file';

/** A cached recording: `content` reads its plaintext (by range); `path` is the sealed file on disk. */
export type CachedMedia = MediaRecord & { path: string; content: RangeSource };
