import { sql as initial } from './0010-initial';
import { sql as archiveHolds } from './0040-archive-holds';

export type Migration = { version: number; name: string; sql: string };

/**
 * Append-only, numbered in steps of 10. SQL lives in numbered TypeScript modules rather than .sql
 * files so that it survives bundling into the Electron main bundle without a copy step.
 */
export const migrations: ReadonlyArray<Migration> = [
  { version: 10, name: 'initial', sql: initial },
  { version: 40, name: 'archive-holds', sql: archiveHolds },
];
