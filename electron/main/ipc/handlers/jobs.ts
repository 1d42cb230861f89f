import type { jobsChannels } from '../../../../shared/ipc/channels/jobs';
import type { HostedEngine } from '../../hosted-engine';
import type { HandlersFor } from '../server';

/** Bulk retrieval jobs mapped onto the jobs service; runs started here continue in the background. */
export function jobsHandlers({ jobs, session }: HostedEngine): HandlersFor<typeof jobsChannels> {
  return {
    'jobs:list': async () => ({ jobs: await jobs.list() }),
    'jobs:get': async ({ jobId }) => jobs.detail(await jobs.resolveId(jobId)),
    'jobs:startFromSearch': ({ query }) => jobs.startFromSearch(query, session.caseReference),
    'jobs:pause': async ({ jobId }) => jobs.pause(await jobs.resolveId(jobId)),
    'jobs:resume': async ({ jobId }) => jobs.runInBackground(await jobs.resolveId(jobId)),
    'jobs:cancel': async ({ jobId }) => jobs.cancel(await jobs.resolveId(jobId)),
  };
}
