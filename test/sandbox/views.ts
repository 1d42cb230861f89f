import type { Models } from 'purecloud-platform-client-v2';
import type { Dataset, SeedAgent, SeedConversation, SeedParticipant, SeedQueue, SeedRecording, SeedRetentionPolicy } from './dataset';
import type { TokenRecord } from './auth';
import type { SandboxUser } from './users';
import type { SandboxWorld } from './world';

/**
 * Seed data rendered in the JSON shapes of the Genesys Cloud API (section 5/6 of the reference), each
 * typed by Genesys's own generated model (`Models` of the official SDK), so that a field the real API
 * does not have, or a missing required one, fails to compile. Views are object literals typed as the
 * model (never built as loose records and cast), so excess-property checks apply.
 */

export type MediaUris = Record<string, Models.MediaResult>;

const divisionRef = (dataset: Dataset, divisionId: string): Models.Division => ({
  id: divisionId,
  name: dataset.divisions.find((d) => d.id === divisionId)?.name ?? '',
  selfUri: `/api/v2/authorization/divisions/${divisionId}`,
});

/** `Organization`: it has no region field; a real org's region is the login/API host it lives on. */
export function organizationView(dataset: Dataset): Models.Organization {
  const org = dataset.organization;
  return {
    id: org.id,
    name: org.name,
    defaultLanguage: 'en-GB',
    defaultCountryCode: 'GB',
    thirdPartyOrgName: org.thirdPartyOrgName,
    domain: org.thirdPartyOrgName,
    version: 12,
    state: 'active',
    voicemailEnabled: true,
    productPlatform: 'PureCloud',
    features: {},
    selfUri: `/api/v2/organizations/${org.id}`,
  };
}

/** `User.version` is required; the seeded users were never edited after creation. */
const USER_VERSION = 3;

export function userView(dataset: Dataset, agent: Readonly<SeedAgent>): Models.User {
  return {
    id: agent.id,
    name: agent.name,
    division: divisionRef(dataset, agent.divisionId),
    email: agent.email,
    state: 'active',
    title: agent.title,
    username: agent.email,
    version: USER_VERSION,
    acdAutoAnswer: false,
    selfUri: `/api/v2/users/${agent.id}`,
  };
}

/** `UserMe` of a sign-in user; `expand` adds `authorization` (roles and permissions), `organization` and `token`. */
export function userMeView(dataset: Dataset, user: Readonly<SandboxUser>, expand: ReadonlySet<string>, token: Models.TokenInfo): Models.UserMe {
  const me: Models.UserMe = {
    id: user.id,
    name: user.name,
    division: divisionRef(dataset, user.divisionId),
    email: user.email,
    state: 'active',
    title: user.title,
    username: user.email,
    version: USER_VERSION,
    acdAutoAnswer: false,
    selfUri: `/api/v2/users/${user.id}`,
  };
  if (expand.has('authorization')) me.authorization = { roles: user.roles.map((role) => ({ ...role })), unusedRoles: [], permissions: [...user.permissions] };
  if (expand.has('organization')) me.organization = organizationView(dataset);
  if (expand.has('token')) me.token = token;
  return me;
}

/** `TokenInfo` of the calling token; Genesys names the grant on the client (`CODE` or `CLIENT-CREDENTIALS`). */
export function tokenInfoView(dataset: Dataset, token: Readonly<TokenRecord>): Models.TokenInfo {
  const org = { id: dataset.organization.id, name: dataset.organization.name };
  return {
    organization: org,
    homeOrganization: org,
    OAuthClient: {
      id: token.clientId,
      name: 'Custody (sandbox)',
      authorizedGrantType: token.userId !== undefined ? 'CODE' : 'CLIENT-CREDENTIALS',
      state: 'active',
      organization: org,
    },
  };
}

export function queueView(dataset: Dataset, queue: Readonly<SeedQueue>): Models.Queue {
  const members = dataset.agents.filter((a) => a.queueIds.includes(queue.id)).length;
  return {
    id: queue.id,
    name: queue.name,
    division: divisionRef(dataset, queue.divisionId),
    description: queue.description,
    dateCreated: dataset.retentionPolicies[0]?.createdDate,
    memberCount: members,
    userMemberCount: members,
    joinedMemberCount: members,
    acwSettings: { wrapupPrompt: 'MANDATORY_TIMEOUT', timeoutMs: 60000 },
    skillEvaluationMethod: 'BEST',
    enableTranscription: false,
    selfUri: `/api/v2/routing/queues/${queue.id}`,
  };
}

function analyticsParticipant(participant: Readonly<SeedParticipant>, withAttributes: boolean): Models.AnalyticsParticipant {
  const view: Models.AnalyticsParticipant = {
    participantId: participant.id,
    participantName: participant.name,
    purpose: participant.purpose,
  };
  if (participant.userId) view.userId = participant.userId;
  if (withAttributes && Object.keys(participant.attributes).length > 0) view.attributes = { ...participant.attributes };
  const session: Models.AnalyticsSession = {
    sessionId: participant.sessionId,
    mediaType: 'voice',
    direction: participant.direction,
    ani: participant.ani,
    dnis: participant.dnis,
    provider: 'Edge',
  };
  if (participant.recorded) session.recording = true;
  session.segments = participant.segments.map((segment) => {
    const view: Models.AnalyticsConversationSegment = { segmentStart: segment.start, segmentEnd: segment.end, segmentType: segment.type, conference: false };
    if (segment.queueId) view.queueId = segment.queueId;
    if (segment.wrapUpCode) view.wrapUpCode = segment.wrapUpCode;
    if (segment.disconnectType) view.disconnectType = segment.disconnectType;
    return view;
  });
  view.sessions = [session];
  return view;
}

/** `AnalyticsConversationWithoutAttributes` (details query) or `AnalyticsConversation` (details job results). */
export function analyticsConversationView(conversation: Readonly<SeedConversation>, withAttributes: boolean): Models.AnalyticsConversation {
  return {
    conversationId: conversation.id,
    conversationStart: conversation.startTime,
    conversationEnd: conversation.endTime,
    originatingDirection: conversation.direction,
    divisionIds: [...conversation.divisionIds],
    mediaStatsMinConversationMos: 4.38,
    participants: conversation.participants.map((p) => analyticsParticipant(p, withAttributes)),
  };
}

/** `Conversation` (GET /api/v2/conversations/{id}): every participant carries its attributes map. */
export function conversationView(dataset: Dataset, conversation: Readonly<SeedConversation>): Models.Conversation {
  return {
    id: conversation.id,
    startTime: conversation.startTime,
    endTime: conversation.endTime,
    participants: conversation.participants.map((p) => {
      const view: Models.Participant = {
        id: p.id,
        startTime: p.startTime,
        endTime: p.endTime,
        name: p.name,
        purpose: p.purpose,
        address: p.purpose === 'agent' || p.purpose === 'acd' ? p.dnis : p.direction === 'inbound' ? p.ani : p.dnis,
        ani: p.ani,
        dnis: p.dnis,
        attributes: { ...p.attributes },
        calls: [
          {
            id: p.sessionId,
            state: 'disconnected',
            recording: p.recorded,
            recordingState: p.recorded ? 'active' : 'none',
            direction: p.direction,
            disconnectType: p.segments[p.segments.length - 1]?.disconnectType ?? 'endpoint',
            disconnectedTime: p.endTime,
            provider: 'Edge',
          },
        ],
      };
      if (p.connectedTime) view.connectedTime = p.connectedTime;
      if (p.userId) view.userId = p.userId;
      if (p.queueId) view.queueId = p.queueId;
      return view;
    }),
    divisions: conversation.divisionIds.map((id) => ({ division: divisionRef(dataset, id), entities: [] })),
    selfUri: `/api/v2/conversations/${conversation.id}`,
  };
}

/**
 * One row of the participant-attribute search (5.1): only participants that carry attributes. The SDK
 * types these rows as `object` (`JsonCursorSearchResponse.results`), so there is no model to check against.
 */
export function attributeSearchRow(conversation: Readonly<SeedConversation>): Record<string, unknown> {
  return {
    conversationId: conversation.id,
    startTime: conversation.startTime,
    endTime: conversation.endTime,
    divisionIds: [...conversation.divisionIds],
    participantData: conversation.participants
      .filter((p) => Object.keys(p.attributes).length > 0)
      .map((p) => ({ participantPurpose: p.purpose, participantAttributes: { ...p.attributes }, participantId: p.id, sessionIds: [p.sessionId] })),
    truncatedData: false,
  };
}

/** The retention fields `Recording` and `RecordingMetadata` share (a key missing from either fails to compile). */
type RetentionKey = 'fileState' | 'archiveDate' | 'archiveMedium' | 'deleteDate' | 'restoreExpirationTime' | 'maxAllowedRestorationsForOrg' | 'remainingRestorationsAllowedForOrg';
type RetentionFields = Pick<Models.Recording, RetentionKey> & Pick<Models.RecordingMetadata, RetentionKey>;

const RESTORATIONS: RetentionFields = { maxAllowedRestorationsForOrg: 10000, remainingRestorationsAllowedForOrg: 10000 };

function retentionFields(world: SandboxWorld, recording: Readonly<SeedRecording>): RetentionFields {
  const state = world.fileState(recording);
  const fields: RetentionFields = {
    fileState: state,
    archiveDate: world.archiveDate(recording),
    deleteDate: world.deleteDate(recording),
    ...RESTORATIONS,
  };
  if (state === 'ARCHIVED' || state === 'RESTORING' || state === 'RESTORED') fields.archiveMedium = 'CLOUDARCHIVE';
  const restoreExpiration = world.restoreExpirationTime(recording);
  if (restoreExpiration && state !== 'ARCHIVED') fields.restoreExpirationTime = restoreExpiration;
  return fields;
}

/** `RecordingMetadata` (5.7): no media, and no start/end time (those are filled only for screen recordings). */
export function recordingMetadataView(world: SandboxWorld, recording: Readonly<SeedRecording>): Models.RecordingMetadata {
  const state = world.fileState(recording);
  const view: Models.RecordingMetadata = {
    id: recording.id,
    conversationId: recording.conversationId,
    media: 'audio',
    mediaSubtype: 'Trunk',
    ...retentionFields(world, recording),
    sessionId: recording.sessionId,
    region: world.dataset.organization.recordingRegion,
    selfUri: `/api/v2/conversations/${recording.conversationId}/recordingmetadata/${recording.id}`,
  };
  if (state === 'AVAILABLE' || state === 'RESTORED') view.annotations = [];
  return view;
}

export type RecordingViewOptions = {
  /** Undefined leaves the key out (archived, deleted, metadata-only); {} means "still transcoding". */
  mediaUris?: MediaUris;
  transcoding?: boolean;
};

/** `Recording` (5.5/5.6). */
export function recordingView(world: SandboxWorld, recording: Readonly<SeedRecording>, options: RecordingViewOptions): Models.Recording {
  const conversation = world.conversations.get(recording.conversationId);
  const agent = conversation ? world.agentOf(conversation) : undefined;
  const state = world.fileState(recording);
  const view: Models.Recording = {
    id: recording.id,
    conversationId: recording.conversationId,
    startTime: recording.startTime,
    endTime: recording.endTime,
    media: 'audio',
    mediaSubtype: 'Trunk',
    annotations: [],
    ...retentionFields(world, recording),
    outputDurationMs: recording.durationMs,
    outputSizeInBytes: state === 'DELETED' ? 0 : recording.sizeBytes,
    sessionId: recording.sessionId,
    users: agent ? [{ id: agent.id, name: agent.name, version: USER_VERSION, selfUri: `/api/v2/users/${agent.id}` }] : [],
    recordingFileRole: 'CUSTOMER_EXPERIENCE',
    creationTime: recording.creationTime,
    selfUri: `/api/v2/conversations/${recording.conversationId}/recordings/${recording.id}`,
  };
  if (options.transcoding) view.estimatedTranscodeTimeMs = Math.max(1000, Math.round(recording.durationMs / 60));
  else if (recording.transcodeOnFirstRequest && world.transcodeStarted(recording)) view.actualTranscodeTimeMs = Math.max(800, Math.round(recording.durationMs / 70));
  if (options.mediaUris !== undefined) view.mediaUris = options.mediaUris;
  return view;
}

export function retentionPolicyView(dataset: Dataset, policy: Readonly<SeedRetentionPolicy>, summary: boolean): Models.Policy {
  const view: Models.Policy = {
    id: policy.id,
    name: policy.name,
    modifiedDate: policy.modifiedDate,
    createdDate: policy.createdDate,
    order: policy.order,
    description: policy.description,
    enabled: policy.enabled,
    selfUri: `/api/v2/recording/mediaretentionpolicies/${policy.id}`,
  };
  if (summary) return view;
  const retention: Models.PolicyActions = {
    retainRecording: true,
    deleteRecording: false,
    alwaysDelete: false,
    assignEvaluations: [],
    assignMeteredEvaluations: [],
    assignCalibrations: [],
    assignSurveys: [],
    retentionDuration: {
      archiveRetention: { days: policy.archiveDays, storageMedium: 'CLOUDARCHIVE' },
      deleteRetention: { days: policy.deleteDays },
    },
  };
  view.mediaPolicies = {
    callPolicy: {
      actions: retention,
      conditions: {
        forQueues: policy.queueIds.map((id) => ({ id, name: dataset.queues.find((q) => q.id === id)?.name, selfUri: `/api/v2/routing/queues/${id}` })),
        directions: ['INBOUND', 'OUTBOUND'],
        dateRanges: [],
        wrapupCodes: [],
        languages: [],
        timeAllowed: { timeSlots: [], timeZoneId: 'Europe/London', empty: true },
      },
    },
    chatPolicy: { actions: {}, conditions: {} },
    emailPolicy: { actions: {}, conditions: {} },
    messagePolicy: { actions: {}, conditions: {} },
  };
  view.conditions = { forQueues: [], directions: [], dateRanges: [], mediaTypes: ['CALL'] };
  view.actions = retention;
  view.policyErrors = { policyErrorMessages: [] };
  return view;
}
