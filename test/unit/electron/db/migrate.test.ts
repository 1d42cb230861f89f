import Database from 'better-sqlite3-multiple-ciphers';
import { describe, expect, it } from 'vitest';
import { migrate } from '../../../../electron/db/migrate';
import { migrations } from '../../../../electron/db/migrations';

const m = (version: number) => ({ version, name: `m${version}`, sql: `CREATE TABLE t${version} (x INTEGER) STRICT;` });
const tables = (db: Database.Database) =>
  (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 't%' ORDER BY name").all() as Array<{ name: string }>).map((r) => r.name);

describe('migrations', () => {
  it('brings an empty database to the latest schema', () => {
    const db = new Database(':memory:');
    expect(migrate(db)).toBe(migrations.at(-1)!.version);
  });

  it('runs a lower-numbered migration merged after higher ones were applied', () => {
    const db = new Database(':memory:');
    expect(migrate(db, [m(10), m(30)])).toBe(30);
    expect(migrate(db, [m(10), m(20), m(30)])).toBe(30);
    expect(tables(db)).toEqual(['t10', 't20', 't30']);
    expect(migrate(db, [m(10), m(20), m(30)])).toBe(30);
  });

  it('trusts user_version for databases from before the ledger, and refuses newer databases', () => {
    const legacy = new Database(':memory:');
    legacy.exec('CREATE TABLE t10 (x INTEGER) STRICT;');
    legacy.pragma('user_version = 10');
    expect(migrate(legacy, [m(10), m(20)])).toBe(20);
    expect(tables(legacy)).toEqual(['t10', 't20']);
    const newer = new Database(':memory:');
    newer.pragma('user_version = 99');
    expect(() => migrate(newer, [m(10)])).toThrow(/newer than this Custody understands/);
  });

  it('leaves nothing behind when a migration fails', () => {
    const db = new Database(':memory:');
    expect(() => migrate(db, [m(10), { version: 20, name: 'broken', sql: 'CREATE TABLE t20 (x INTEGER); SELECT nope FROM missing;' }])).toThrow();
    expect(tables(db)).toEqual(['t10']);
    expect(db.pragma('user_version', { simple: true })).toBe(10);
  });
});
