// The host's types, apart from app-host.ts so that the IPC handlers it installs can name them
// without importing it back.
import type { ComposedEngine } from '../services/composition';
import type { ProtocolHandler } from './protocol';

/** What a window host needs from the composed engine. */
export type HostedEngine = Pick<ComposedEngine, 'engine' | 'events' | 'session' | 'grants' | 'packs' | 'logger' | 'redactor' | 'auditTrail' | 'holds' | 'posture' | 'jobs'>;

export type AppHost = { appHandler: ProtocolHandler; mediaHandler: ProtocolHandler; dispose(): void };
