/**
 * The firm's shared catalog (issue 14): which published manifest and Parquet parts this index has
 * applied, and where an archive copy came from ('archive-run': this installation archived it;
 * 'catalog': the firm's archiver did, and the catalog said so).
 */
export const sql = /* sql */ `
CREATE TABLE catalog_manifests (
  seq INTEGER PRIMARY KEY,
  manifest_key TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  applied_ms INTEGER NOT NULL,
  parts INTEGER NOT NULL,
  rows INTEGER NOT NULL
) STRICT;

-- The parts of the last applied manifest; a day that changed has a new part, so only new keys are read.
CREATE TABLE catalog_parts (
  part_key TEXT PRIMARY KEY,
  day TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  rows INTEGER NOT NULL,
  manifest_seq INTEGER NOT NULL
) STRICT;

ALTER TABLE archive_objects ADD COLUMN origin TEXT NOT NULL DEFAULT 'archive-run' CHECK (origin IN ('archive-run', 'catalog'));
`;
