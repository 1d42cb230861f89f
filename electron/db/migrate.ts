import type Database from 'better-sqlite3';
import { migrations } from './migrations';

/**
 * Applies every migration newer than `PRAGMA user_version`, each in its own transaction.
 * A database from a newer Custody is refused rather than silently misread.
 */
export function migrate(db: Database.Database, target = latestSchemaVersion()): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > latestSchemaVersion()) {
    throw new Error(`The local index has schema ${current}, newer than this Custody understands (${latestSchemaVersion()}).`);
  }
  for (const migration of migrations) {
    if (migration.version <= current || migration.version > target) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      db.pragma(`user_version = ${migration.version}`);
    })();
  }
  return db.pragma('user_version', { simple: true }) as number;
}

export function latestSchemaVersion(): number {
  return migrations.at(-1)?.version ?? 0;
}
