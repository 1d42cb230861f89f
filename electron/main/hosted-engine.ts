// The host's types, apart from app-host.ts so that the IPC handlers it installs can name them
// without importing it back.
import type { ArchiveDomain } from '../services/composition/compose-archive';
import type { AuditDomain } from '../services/composition/compose-audit';
import type { ComposedEngine } from '../services/composition/compose-engine';
import type { BlotterImport, TradeMatchingOperations, TradeReconstructionOperations } from '../services/trades/trade-ports';
import type { ProtocolHandler } from './protocol';

/** What a window host serves from the composed engine: the services behind the IPC contract, nothing else. */
export type HostedEngine = Pick<ComposedEngine, 'engine' | 'events' | 'session' | 'grants' | 'packs' | 'logger' | 'redactor' | 'jobs' | 'officer' | 'officerSignIn' | 'profile' | 'health' | 'annotations' | 'transcripts'> & {
  audit: Pick<AuditDomain, 'log' | 'firmTrail'>;
  archive: Pick<ArchiveDomain, 'holds' | 'posture'>;
  trades: { importer: BlotterImport; matching: TradeMatchingOperations; reconstruction: TradeReconstructionOperations };
};

export type AppHost = { appHandler: ProtocolHandler; mediaHandler: ProtocolHandler; dispose(): void };
