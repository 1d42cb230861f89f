import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { migrate } from './migrate';

export type Db = Database.Database;

/** Opens (creating if needed) the local index and brings its schema up to date. */
export function openDatabaseSync(file: string): Db {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  // Searches read rows all over a large index: map the file rather than copy each page in.
  db.pragma('mmap_size = 1073741824');
  db.pragma('cache_size = -32768');
  migrate(db);
  return db;
}
