import type { AuditLog } from './audit-log';

/** The WORM audit log as its writers see it: append resolves only once the record is stored. */
export type AuditWriter = Pick<AuditLog, 'append'>;
