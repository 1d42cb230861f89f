/**
 * The Genesys permissions Custody checks before an officer's action, from the officer's own token
 * (`GET /api/v2/users/me?expand=authorization`). Each action needs every permission listed for it.
 */
export const officerActions = ['search', 'play', 'download', 'export', 'hold', 'release', 'posture'] as const;
export type OfficerAction = (typeof officerActions)[number];

export const RECORDING_VIEW = 'recording:recording:view';
export const RECORDING_DOWNLOAD = 'recording:recording:download';
export const DELETION_PROTECTION_APPLY = 'recording:deletionProtection:apply';
export const DELETION_PROTECTION_REVOKE = 'recording:deletionProtection:revoke';

export const REQUIRED_PERMISSIONS: Readonly<Record<OfficerAction, ReadonlyArray<string>>> = {
  search: [RECORDING_VIEW],
  play: [RECORDING_VIEW],
  download: [RECORDING_VIEW, RECORDING_DOWNLOAD],
  export: [RECORDING_VIEW, RECORDING_DOWNLOAD],
  hold: [DELETION_PROTECTION_APPLY],
  release: [DELETION_PROTECTION_REVOKE],
  posture: [],
};

/** Every permission Custody checks, once each, sorted (what `whoami` and the app's header list). */
export const CHECKED_PERMISSIONS: ReadonlyArray<string> = [...new Set(Object.values(REQUIRED_PERMISSIONS).flat())].sort();

/** The permissions `action` needs that `granted` lacks (Genesys's `*` wildcards honoured per segment). */
export function missingPermissions(granted: ReadonlyArray<string>, action: OfficerAction): Array<string> {
  return REQUIRED_PERMISSIONS[action].filter((needed) => !granted.some((g) => permissionCovers(g, needed)));
}

/** Each permission Custody checks, and whether `granted` covers it (wildcards honoured): what whoami and the header show. */
export function checkedPermissionGrants(granted: ReadonlyArray<string>): Array<{ permission: string; granted: boolean }> {
  return CHECKED_PERMISSIONS.map((permission) => ({ permission, granted: granted.some((g) => permissionCovers(g, permission)) }));
}

function permissionCovers(granted: string, needed: string): boolean {
  const g = granted.split(':');
  const n = needed.split(':');
  return g.length === n.length && g.every((part, i) => part === '*' || part === n[i]);
}
