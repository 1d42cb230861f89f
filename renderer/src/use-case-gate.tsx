import { useState, type ReactNode } from 'react';
import type { SessionInfo } from '../../shared/domain';
import { useCustodyApi } from './api';
import { CaseReferenceDialog } from './components/CaseReferenceDialog';

type Question = { question: string; submitLabel: string };

/**
 * Actions done under the session's case (a trade link, a reconstruction): with no case set, or when main
 * says one is required, the case-reference dialog asks first, and the action runs once it is given.
 */
export function useCaseGate(caseReference: string | null, onSessionChange: (session: SessionInfo) => void): {
  /** Runs `action` now when a case is set; otherwise asks for one first. */
  underCase(action: () => Promise<void>, question: Question): Promise<void>;
  /** Asks for the case, then runs `action` (main refused it with CASE_REFERENCE_REQUIRED). */
  ask(action: () => Promise<void>, question: Question): void;
  dialog: ReactNode;
} {
  const api = useCustodyApi();
  const [pending, setPending] = useState<(Question & { action: () => Promise<void> }) | null>(null);
  const ask = (action: () => Promise<void>, question: Question) => setPending({ action, ...question });
  return {
    ask,
    underCase: async (action, question) => (caseReference ? action() : ask(action, question)),
    dialog: pending ? (
      <CaseReferenceDialog
        question={pending.question}
        submitLabel={pending.submitLabel}
        onSubmit={async (reference) => {
          // A rejection here is shown inside the dialog, which stays open.
          onSessionChange(await api.sessionSetCaseReference({ caseReference: reference }));
          setPending(null);
          await pending.action();
        }}
        onCancel={() => setPending(null)}
      />
    ) : null,
  };
}
