import type { annotationsChannels } from '../../../../shared/ipc/channels/annotations';
import type { HostedEngine } from '../../hosted-engine';
import type { HandlersFor } from '../server';

/** Annotations, written under the session's case by the officer signed in. */
export function annotationsHandlers({ annotations, session }: HostedEngine): HandlersFor<typeof annotationsChannels> {
  return {
    'annotations:list': async ({ recordingId, includeDeleted }) => ({ annotations: await annotations.list(recordingId, { includeDeleted: includeDeleted ?? false }) }),
    'annotations:history': async ({ annotationId }) => ({ versions: await annotations.history(annotationId) }),
    'annotations:create': (request) => annotations.create(request, session.caseReference),
    'annotations:edit': (request) => annotations.edit(request, session.caseReference),
    'annotations:delete': ({ annotationId }) => annotations.delete(annotationId, session.caseReference),
  };
}
