import type { Models } from 'purecloud-platform-client-v2';
import { entityListing, queryBool, queryInt } from '../http';
import type { Route, SandboxContext } from '../routes';
import { organizationView, queueView, retentionPolicyView, userView } from '../views';

/** Organization, users, queues and recording configuration. */

/** Genesys name filters: case-insensitive, `*` as a wildcard, otherwise an exact name. */
function nameMatcher(pattern: string | null): (name: string) => boolean {
  if (!pattern) return () => true;
  const regex = new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 'i');
  return (name) => regex.test(name);
}

export function directoryRoutes(ctx: SandboxContext): Array<Route> {
  const { dataset } = ctx;
  return [
    {
      method: 'GET',
      template: '/organizations/me',
      permissions: [],
      handle: () => ({ status: 200, body: organizationView(dataset) }),
    },
    {
      method: 'GET',
      template: '/users',
      permissions: [],
      handle: ({ query }) => {
        const pageSize = queryInt(query, 'pageSize', 25, 1, 500);
        const pageNumber = queryInt(query, 'pageNumber', 1, 1, 1_000_000);
        const users = dataset.agents.map((agent) => userView(dataset, agent));
        return { status: 200, body: entityListing(users, '/api/v2/users', pageSize, pageNumber) satisfies Models.UserEntityListing };
      },
    },
    {
      method: 'GET',
      template: '/routing/queues',
      permissions: ['routing:queue:view'],
      handle: ({ query }) => {
        const pageSize = queryInt(query, 'pageSize', 25, 1, 500);
        const pageNumber = queryInt(query, 'pageNumber', 1, 1, 1_000_000);
        const matches = nameMatcher(query.get('name'));
        const queues = dataset.queues.filter((q) => matches(q.name)).map((q) => queueView(dataset, q));
        return { status: 200, body: entityListing(queues, '/api/v2/routing/queues', pageSize, pageNumber) satisfies Models.QueueEntityListing };
      },
    },
    {
      method: 'GET',
      template: '/recording/settings',
      permissions: [],
      handle: () => ({
        status: 200,
        body: {
          maxSimultaneousStreams: 5,
          maxConfigurableScreenRecordingStreams: 1,
          regionalRecordingStorageEnabled: false,
          recordingPlaybackUrlTtl: ctx.settings.playbackUrlTtlMinutes,
          recordingBatchDownloadUrlTtl: ctx.settings.batchUrlTtlMinutes,
          stopRecordingWhenOnlyExternalParticipants: false,
        } satisfies Models.RecordingSettings,
      }),
    },
    {
      method: 'GET',
      template: '/recording/mediaretentionpolicies',
      permissions: ['recording:retentionPolicy:view'],
      handle: ({ query }) => {
        const pageSize = queryInt(query, 'pageSize', 25, 1, 500);
        const pageNumber = queryInt(query, 'pageNumber', 1, 1, 1_000_000);
        const enabled = queryBool(query, 'enabled');
        const summary = queryBool(query, 'summary') ?? false;
        const matches = nameMatcher(query.get('name'));
        const policies = dataset.retentionPolicies
          .filter((p) => (enabled === undefined || p.enabled === enabled) && matches(p.name))
          .map((p) => retentionPolicyView(dataset, p, summary));
        return { status: 200, body: entityListing(policies, '/api/v2/recording/mediaretentionpolicies', pageSize, pageNumber) satisfies Models.PolicyEntityListing };
      },
    },
  ];
}
