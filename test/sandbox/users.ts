import { timingSafeEqual } from 'node:crypto';
import type { Dataset } from './dataset';
import { ANALYTICS_PERMISSIONS, RECORDING_VIEW_PERMISSIONS } from './permissions';

/**
 * The people who can sign in to the sandbox with the authorization code grant (README: "Sign-in users"): two
 * compliance officers, an agent without recording permissions, and every seeded trader. Ids are fixed, not drawn
 * from the dataset's random stream, so adding users never changes the seeded data.
 */

export type SandboxRole = { id: string; name: string };

export type SandboxUser = {
  id: string;
  name: string;
  email: string;
  password: string;
  title: string;
  divisionId: string;
  roles: ReadonlyArray<SandboxRole>;
  /** What the user's roles grant; route checks and `users/me?expand=authorization` use it. */
  permissions: ReadonlyArray<string>;
};

export const TRADER_PASSWORD = 'sandbox-trader';

/** The finding permissions the engine's search needs (analytics, attribute search, conversation reads). */
const FINDING_PERMISSIONS = [...ANALYTICS_PERMISSIONS, 'conversation:participant:attributesview', 'conversation:communication:view', 'routing:queue:view'];

/** Everything the engine calls need, plus downloading and deletion protection. */
export const COMPLIANCE_OFFICER_PERMISSIONS: ReadonlyArray<string> = [
  ...FINDING_PERMISSIONS,
  ...RECORDING_VIEW_PERMISSIONS,
  'recording:recording:download',
  'recording:recording:editRetention',
  'recording:retentionPolicy:view',
  'recording:deletionProtection:apply',
  'recording:deletionProtection:revoke',
];

/** An agent's roles: finding calls, but no `recording:*` permission at all. */
export const AGENT_PERMISSIONS: ReadonlyArray<string> = [...FINDING_PERMISSIONS];

/** Traders may find and listen to (and download) recordings, so self-listening alerts fire on their real ids. */
export const TRADER_PERMISSIONS: ReadonlyArray<string> = [...FINDING_PERMISSIONS, 'recording:recording:view', 'recording:recording:download'];

const COMPLIANCE_ROLE: SandboxRole = { id: '0ff1ce00-0000-4000-8000-0000000001e0', name: 'Compliance Officer' };
const AGENT_ROLE: SandboxRole = { id: 'a6e47000-0000-4000-8000-0000000001e0', name: 'Agent' };
const TRADER_ROLE: SandboxRole = { id: '7fade400-0000-4000-8000-0000000001e0', name: 'Trader' };

export const OFFICER_A_USER = {
  id: '0ff1ce00-0000-4000-8000-00000000000a',
  name: 'Olivia Adler',
  email: 'officer.a@sandbox.custody.test',
  password: 'sandbox-officer-a',
} as const;
export const OFFICER_B_USER = {
  id: '0ff1ce00-0000-4000-8000-00000000000b',
  name: 'Oscar Brandt',
  email: 'officer.b@sandbox.custody.test',
  password: 'sandbox-officer-b',
} as const;
export const AGENT_C_USER = {
  id: 'a6e47000-0000-4000-8000-00000000000c',
  name: 'Carla Costa',
  email: 'agent.c@sandbox.custody.test',
  password: 'sandbox-agent-c',
} as const;

export function signInUsers(dataset: Readonly<Dataset>): Array<SandboxUser> {
  const homeDivision = dataset.divisions.find((d) => d.name === 'Home') ?? dataset.divisions[0];
  const divisionId = homeDivision?.id ?? '';
  const officer = (user: typeof OFFICER_A_USER | typeof OFFICER_B_USER): SandboxUser => ({
    ...user,
    title: 'Compliance Officer',
    divisionId,
    roles: [COMPLIANCE_ROLE],
    permissions: COMPLIANCE_OFFICER_PERMISSIONS,
  });
  return [
    officer(OFFICER_A_USER),
    officer(OFFICER_B_USER),
    { ...AGENT_C_USER, title: 'Client Services Agent', divisionId, roles: [AGENT_ROLE], permissions: AGENT_PERMISSIONS },
    ...dataset.agents.map((agent) => ({
      id: agent.id,
      name: agent.name,
      email: agent.email,
      password: TRADER_PASSWORD,
      title: agent.title,
      divisionId: agent.divisionId,
      roles: [TRADER_ROLE],
      permissions: TRADER_PERMISSIONS,
    })),
  ];
}

export type SignInCheck = { ok: true; user: SandboxUser } | { ok: false; reason: 'bad-credentials' | 'revoked' };

/** The sign-in users with their passwords and the tests' revoke/restore switch. */
export class SandboxUsers {
  private readonly byEmail = new Map<string, SandboxUser>();
  private readonly byId = new Map<string, SandboxUser>();
  private readonly revoked = new Set<string>();

  constructor(users: ReadonlyArray<SandboxUser>) {
    for (const user of users) {
      this.byEmail.set(user.email.toLowerCase(), user);
      this.byId.set(user.id, user);
    }
  }

  get(id: string): SandboxUser | undefined {
    return this.byId.get(id);
  }

  byEmailAddress(email: string): SandboxUser | undefined {
    return this.byEmail.get(email.trim().toLowerCase());
  }

  /** A revoked user with the right password is told so; a wrong password never reveals whether the user exists. */
  signIn(email: string, password: string): SignInCheck {
    const user = this.byEmailAddress(email);
    const expected = Buffer.from(user?.password ?? '\u0000no-such-user');
    const given = Buffer.from(password);
    const matches = expected.length === given.length && timingSafeEqual(expected, given);
    if (!user || !matches) return { ok: false, reason: 'bad-credentials' };
    return this.revoked.has(user.id) ? { ok: false, reason: 'revoked' } : { ok: true, user };
  }

  isRevoked(id: string): boolean {
    return this.revoked.has(id);
  }

  revoke(id: string): void {
    this.revoked.add(id);
  }

  restore(id: string): void {
    this.revoked.delete(id);
  }
}
