import type { DuckDBAppender, DuckDBConnection } from '@duckdb/node-api';
import type { CatalogIndexRow } from '../../db/repositories/catalog-repository';
import { CATALOG_COLUMNS } from './catalog-layout';

/**
 * Parquet through embedded DuckDB (@duckdb/node-api). Chosen because it is maintained (DuckDB Labs, released
 * with each DuckDB version), has its Parquet reader and writer built into the engine (nothing to download:
 * extension autoloading is off here), writes files Athena, Trino and Spark read, and answers the catalog's
 * analytical queries (volumes per desk, gaps) over the same files with SQL (`catalog stats`).
 */
async function withDuckDb<T>(work: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
  // Loaded on first use: hosts that never touch the catalog never load the native engine.
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:', {
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
    threads: '1',
  });
  const connection = await instance.connect();
  try {
    return await work(connection);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** A path as a SQL string literal (paths are ours: temporary or under the profile's data folder). */
const literal = (path: string): string => `'${path.replace(/'/g, "''")}'`;

function appendValue(appender: DuckDBAppender, type: 'VARCHAR' | 'BIGINT' | 'BOOLEAN', value: unknown): void {
  if (value === null || value === undefined) appender.appendNull();
  else if (type === 'VARCHAR') appender.appendVarchar(String(value));
  else if (type === 'BIGINT') appender.appendBigInt(BigInt(value as number));
  else appender.appendBoolean(value === true);
}

/** Writes each set of rows as one Parquet file (Snappy: every Parquet reader has it), in the order given, with the catalog's column types; one DuckDB for all. */
export async function writeCatalogParquet(files: ReadonlyArray<{ path: string; rows: ReadonlyArray<CatalogIndexRow> }>): Promise<void> {
  if (files.length === 0) return;
  await withDuckDb(async (connection) => {
    for (const { path, rows } of files) {
      await connection.run(`CREATE OR REPLACE TABLE recordings (${CATALOG_COLUMNS.map(([name, type]) => `${name} ${type}`).join(', ')})`);
      const appender = await connection.createAppender('recordings');
      for (const row of rows) {
        for (const [name, type] of CATALOG_COLUMNS) appendValue(appender, type, row[name]);
        appender.endRow();
      }
      appender.closeSync();
      await connection.run(`COPY recordings TO ${literal(path)} (FORMAT parquet, COMPRESSION snappy)`);
    }
  });
}

/**
 * The rows of each Parquet file as plain objects (BIGINT as bigint), unvalidated: the caller validates every
 * value. Only the catalog's columns are read, so a file without them fails here; one DuckDB for all.
 */
export async function readCatalogParquet(paths: ReadonlyArray<string>): Promise<Array<Array<Record<string, unknown>>>> {
  if (paths.length === 0) return [];
  return withDuckDb(async (connection) => {
    const columns = CATALOG_COLUMNS.map(([name]) => name).join(', ');
    const files: Array<Array<Record<string, unknown>>> = [];
    for (const path of paths) {
      const reader = await connection.runAndReadAll(`SELECT ${columns} FROM read_parquet(${literal(path)})`);
      files.push((await reader.getRowObjectsJS()) as Array<Record<string, unknown>>);
    }
    return files;
  });
}

export type CatalogStats = {
  days: number;
  calls: number;
  recordings: number;
  archived: number;
  perQueue: Array<{ queue: string; calls: number; recordings: number; archived: number }>;
  /** Days between the first and the last with calls, on which no call was recorded at all. */
  gaps: Array<string>;
};

/** Volumes per desk (queue) and days without calls, by DuckDB over the synced Parquet parts (Hive partitions read from the paths). */
export async function catalogStats(paths: ReadonlyArray<string>): Promise<CatalogStats> {
  if (paths.length === 0) return { days: 0, calls: 0, recordings: 0, archived: 0, perQueue: [], gaps: [] };
  return withDuckDb(async (connection) => {
    await connection.run(`CREATE VIEW catalog AS SELECT * FROM read_parquet([${paths.map(literal).join(', ')}], hive_partitioning = true)`);
    const number = (value: unknown) => Number(value ?? 0);
    const [totals] = await (await connection.runAndReadAll(`SELECT count(DISTINCT conversation_id) AS calls, count(recording_id) AS recordings,
        count(archive_media_key) AS archived, count(DISTINCT make_date(year::INTEGER, month::INTEGER, day::INTEGER)) AS days FROM catalog`)).getRowObjectsJS();
    const perQueue = await (await connection.runAndReadAll(`SELECT coalesce(queue_name, '(no queue)') AS queue, count(DISTINCT conversation_id) AS calls,
        count(recording_id) AS recordings, count(archive_media_key) AS archived FROM catalog GROUP BY 1 ORDER BY calls DESC, queue`)).getRowObjectsJS();
    const gaps = await (await connection.runAndReadAll(`WITH days AS (SELECT DISTINCT make_date(year::INTEGER, month::INTEGER, day::INTEGER) AS day FROM catalog)
        SELECT strftime(d.day, '%Y-%m-%d') AS day FROM (SELECT unnest(generate_series(min(day), max(day), INTERVAL 1 DAY))::DATE AS day FROM days) d
        WHERE d.day NOT IN (SELECT day FROM days) ORDER BY 1`)).getRowObjectsJS();
    return {
      days: number(totals?.days),
      calls: number(totals?.calls),
      recordings: number(totals?.recordings),
      archived: number(totals?.archived),
      perQueue: perQueue.map((row) => ({ queue: String(row.queue), calls: number(row.calls), recordings: number(row.recordings), archived: number(row.archived) })),
      gaps: gaps.map((row) => String(row.day)),
    };
  });
}
