import type { Officer, Operator } from './domain';

/** A signed-in officer as records show her: Genesys name, email and user id. */
export function describeOfficer(officer: Readonly<Officer>): string {
  return `${officer.name}${officer.email ? ` <${officer.email}>` : ''} (Genesys ${officer.genesysUserId})`;
}

/** Who acted, in a few words: the officer's name, "service (client …)", or the name an event from before sign-in carries. */
export function operatorHeadline(operator: Readonly<Operator>): string {
  return operator.kind === 'service' ? `service (client ${operator.oauthClientId ?? 'unknown'})` : operator.name;
}

/**
 * Who acted, in full (the OS account apart): an officer with her email and Genesys user id; the service
 * account with its OAuth client and the officer who scheduled the work; an event from before sign-in by its name.
 */
export function describeOperator(operator: Readonly<Operator>): string {
  if (operator.kind === 'service') {
    return `${operatorHeadline(operator)}${operator.scheduledBy ? ` scheduled by ${describeOfficer(operator.scheduledBy)}` : ''}`;
  }
  if (operator.genesysUserId) return describeOfficer({ name: operator.name, email: operator.email ?? '', genesysUserId: operator.genesysUserId });
  return operator.name;
}
