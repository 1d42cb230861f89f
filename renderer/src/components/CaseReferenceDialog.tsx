import { useEffect, useId, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { caseReferenceSchema } from '../../../shared/domain';
import { toUiError, type UiError } from '../errors';
import { ErrorAlert } from './ErrorAlert';

type CaseReferenceDialogProps = {
  /** Records the reference; a rejection keeps the dialog open and shows the error. */
  onSubmit(caseReference: string): Promise<void>;
  onCancel(): void;
  /** What the reference is asked for; defaults to playing a recording. */
  question?: string;
  submitLabel?: string;
  /** Case references given earlier in this sitting, offered as one-click choices. */
  recent?: ReadonlyArray<string>;
};

/** Modal: no recording is played before the officer states why they are accessing it. */
export function CaseReferenceDialog({
  onSubmit,
  onCancel,
  question = 'Why are you accessing this recording?',
  submitLabel = 'Continue to playback',
  recent = [],
}: CaseReferenceDialogProps) {
  const id = useId();
  const dialogRef = useRef<HTMLDivElement>(null);
  const inputRef = useRef<HTMLInputElement>(null);
  const [value, setValue] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [error, setError] = useState<UiError | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    // Focus returns to whatever opened the dialog (the Play button) when it closes.
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    inputRef.current?.focus();
    return () => opener?.focus();
  }, []);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    await submitValue(value);
  }

  async function submitValue(value: string) {
    const parsed = caseReferenceSchema.safeParse(value);
    if (!parsed.success) {
      setProblem(parsed.error.issues[0]?.message ?? 'Enter a case reference.');
      inputRef.current?.focus();
      return;
    }
    setProblem(null);
    setBusy(true);
    try {
      await onSubmit(parsed.data);
    } catch (caught) {
      setError(toUiError(caught));
      setBusy(false);
    }
  }

  function onKeyDown(event: KeyboardEvent<HTMLDivElement>) {
    if (event.key === 'Escape') {
      event.preventDefault();
      onCancel();
    } else if (event.key === 'Tab') {
      trapFocus(event, dialogRef.current);
    }
  }

  return (
    <div className="modal-backdrop">
      <div
        ref={dialogRef}
        className="modal"
        role="dialog"
        aria-modal="true"
        aria-labelledby={`${id}-title`}
        aria-describedby={`${id}-why`}
        data-testid="case-reference-dialog"
        onKeyDown={onKeyDown}
      >
        <form onSubmit={submit} noValidate>
          <h2 className="modal__title" id={`${id}-title`}>
            Case reference
          </h2>
          <p className="modal__text" id={`${id}-why`}>
            {question} The reference is written to the audit log with every access in this session.
          </p>
          <div className="field">
            <label htmlFor={`${id}-input`}>Case reference</label>
            <input
              ref={inputRef}
              id={`${id}-input`}
              data-testid="case-reference-input"
              type="text"
              autoComplete="off"
              spellCheck={false}
              placeholder="e.g. FCA-2024-0193 or internal review ticket"
              maxLength={80}
              value={value}
              aria-invalid={problem ? true : undefined}
              aria-describedby={problem ? `${id}-problem` : undefined}
              onChange={(e) => setValue(e.target.value)}
            />
            {problem ? (
              <p className="field__problem" id={`${id}-problem`} role="alert">
                {problem}
              </p>
            ) : null}
          </div>
          {recent.length > 0 ? (
            <div className="case-recent" role="group" aria-label="Recent case references">
              <span className="field__hint">Recent:</span>
              {recent.map((reference) => (
                <button
                  key={reference}
                  type="button"
                  className="button button--small mono"
                  data-testid="case-reference-recent"
                  disabled={busy}
                  onClick={() => {
                    setValue(reference);
                    void submitValue(reference);
                  }}
                >
                  {reference}
                </button>
              ))}
            </div>
          ) : null}
          {error ? <ErrorAlert error={error} testId="case-reference-error" /> : null}
          <div className="modal__actions">
            <button type="button" className="button" onClick={onCancel} data-testid="case-reference-cancel">
              Cancel
            </button>
            <button type="submit" className="button button--primary" disabled={busy} data-testid="case-reference-submit">
              {busy ? 'Saving…' : submitLabel}
            </button>
          </div>
        </form>
      </div>
    </div>
  );
}

function trapFocus(event: KeyboardEvent<HTMLDivElement>, container: HTMLElement | null) {
  if (!container) return;
  const focusable = Array.from(
    container.querySelectorAll<HTMLElement>('input, button, select, textarea, [tabindex]:not([tabindex="-1"])'),
  ).filter((el) => !el.hasAttribute('disabled'));
  const first = focusable[0];
  const last = focusable[focusable.length - 1];
  if (!first || !last) return;
  if (event.shiftKey && document.activeElement === first) {
    event.preventDefault();
    last.focus();
  } else if (!event.shiftKey && document.activeElement === last) {
    event.preventDefault();
    first.focus();
  }
}
