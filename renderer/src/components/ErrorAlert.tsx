import { wordsFor, type Attempt, type UiError } from '../errors';

type ErrorAlertProps = {
  error: UiError;
  /** What the officer was doing, so the words say what was not done and how to do it again. */
  attempt?: Attempt;
  /** Names for field keys in `error.issues`, e.g. `{ tradingId: 'Trading ID' }`. */
  fieldLabels?: Readonly<Record<string, string>>;
  testId?: string;
  /** The message is already written for the officer (the sign-in's own explanations): shown as it is, nothing behind a disclosure. */
  inWords?: boolean;
};

/** An error in words (what happened, what was not done, what to do next), with the code and raw message behind a disclosure. */
export function ErrorAlert({ error, attempt, fieldLabels = {}, testId, inWords = false }: ErrorAlertProps) {
  return (
    <div className="alert alert--error" role="alert" data-testid={testId} data-error-code={error.code}>
      <p className="alert__title">{error.title}</p>
      {inWords ? <p className="alert__message">{error.message}</p> : <ErrorBody error={error} attempt={attempt} fieldLabels={fieldLabels} />}
    </div>
  );
}

/** The words, the issues and the technical detail of an error, for an alert or a refusal block. */
export function ErrorBody({ error, attempt, fieldLabels = {} }: Omit<ErrorAlertProps, 'testId' | 'inWords'>) {
  const words = wordsFor(error.code, attempt);
  return (
    <>
      <p className="alert__message" data-testid="error-words">
        {words.summary} {words.next}
      </p>
      {error.issues.length > 0 ? (
        <ul className="alert__issues">
          {error.issues.map((issue, i) => (
            <li key={i}>
              {issue.field ? <strong>{fieldLabels[issue.field] ?? issue.field}: </strong> : null}
              {issue.message}
            </li>
          ))}
        </ul>
      ) : error.code === 'VALIDATION' ? (
        // The officer's own input: what was wrong with it is for her, not only for IT.
        <p className="alert__issues">{error.message}</p>
      ) : null}
      <details className="alert__detail" data-testid="error-detail">
        <summary>Technical detail</summary>
        <p>
          <code>{error.code}</code> <span className="mono">{error.message}</span>
        </p>
      </details>
    </>
  );
}
