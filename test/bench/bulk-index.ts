import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Db } from '../../electron/db/connection';
import { indexConversationTextSql, indexPhrasesSql } from '../../electron/db/migrations/0170-time-ordered-search';
import { indexSaidNgramsSql, listRecordingsSql } from '../../electron/db/migrations/0180-said-ngrams-and-listed-recordings';

/**
 * Loads a benchmark index fast: `load` runs in one transaction with the full-text triggers dropped (they
 * index row by row), then everything is indexed once the way migrations 170 and 180 index an existing index, and
 * the triggers come back. For a fresh index only (conversations are keyed and indexed all over again).
 */
export function bulkLoad(db: Db, load: () => void): void {
  const triggers = db
    .prepare("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND (name LIKE 'conversations_text_%' OR name LIKE 'transcript_phrases_fts_%' OR name LIKE 'recordings_listed_%')")
    .all() as Array<{ name: string; sql: string }>;
  db.transaction(() => {
    for (const trigger of triggers) db.exec(`DROP TRIGGER ${trigger.name}`);
    load();
    db.exec(indexConversationTextSql);
    db.exec(indexPhrasesSql);
    db.exec(indexSaidNgramsSql);
    db.exec(listRecordingsSql);
    for (const trigger of triggers) db.exec(trigger.sql);
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
}

/**
 * Where a benchmark keeps its index: a new temporary directory, or `--reuse DIR` (an index kept by an
 * earlier run with `--keep`, with its key and the samples it drew). Building 1M calls takes minutes.
 */
export async function benchDirectory(reuse: string | undefined, keep: boolean) {
  const dir = reuse ?? (await mkdtemp(join(tmpdir(), 'custody-bench-')));
  await mkdir(dir, { recursive: true });
  return {
    file: join(dir, 'index.sqlite'),
    reused: reuse !== undefined,
    async saveState(state: unknown): Promise<void> {
      await writeFile(join(dir, 'bench-state.json'), JSON.stringify(state));
    },
    async loadState<T>(): Promise<T> {
      return JSON.parse(await readFile(join(dir, 'bench-state.json'), 'utf8')) as T;
    },
    async done(): Promise<void> {
      if (keep || reuse !== undefined) console.log(`index kept in ${dir} (rerun with --reuse ${dir})`);
      else await rm(dir, { recursive: true, force: true });
    },
  };
}
