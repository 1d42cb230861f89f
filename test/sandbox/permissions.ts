/** Genesys permission lists the sandbox's routes check and its users hold (no imports: routes and users both use them). */

/** Any one of these lets a caller read recordings (reference: section 5.5). */
export const RECORDING_VIEW_PERMISSIONS = [
  'recording:recording:view',
  'recording:recordingSegment:view',
  'recording:snippetRecording:view',
  'recording:screenRecording:view',
] as const;

export const ANALYTICS_PERMISSIONS = ['analytics:conversationDetail:view', 'analytics:agentConversationDetail:view'];
