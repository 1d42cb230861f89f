import type Database from 'better-sqlite3-multiple-ciphers';
import { migrations as knownMigrations, type Migration } from './migrations';

/**
 * Applies, in version order and each in its own transaction, every migration the database has not
 * recorded in `schema_migrations` (so a migration merged from a parallel branch with a lower number
 * still runs). `PRAGMA user_version` keeps the highest version applied. A database from a newer
 * Custody is refused rather than silently misread.
 */
export function migrate(db: Database.Database, migrations: ReadonlyArray<Migration> = knownMigrations): number {
  const latest = migrations.at(-1)?.version ?? 0;
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > latest) {
    throw new Error(`The local index has schema ${current}, newer than this Custody understands (${latest}).`);
  }
  const hadLedger = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get() !== undefined;
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL) STRICT');
  const record = db.prepare('INSERT OR IGNORE INTO schema_migrations (version, name) VALUES (?, ?)');
  if (!hadLedger && current > 0) {
    // A database from before the ledger: user_version was the whole story.
    for (const m of migrations) if (m.version <= current) record.run(m.version, m.name);
  }
  const applied = new Set((db.prepare('SELECT version FROM schema_migrations').all() as Array<{ version: number }>).map((r) => r.version));
  for (const migration of migrations) {
    if (applied.has(migration.version)) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      record.run(migration.version, migration.name);
      db.pragma(`user_version = ${Math.max(migration.version, db.pragma('user_version', { simple: true }) as number)}`);
    })();
  }
  return db.pragma('user_version', { simple: true }) as number;
}

export function latestSchemaVersion(): number {
  return knownMigrations.at(-1)?.version ?? 0;
}
