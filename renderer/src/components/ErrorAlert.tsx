import type { UiError } from '../errors';

type ErrorAlertProps = {
  error: UiError;
  /** Names for field keys in `error.issues`, e.g. `{ tradingId: 'Trading ID' }`. */
  fieldLabels?: Readonly<Record<string, string>>;
  testId?: string;
};

export function ErrorAlert({ error, fieldLabels = {}, testId }: ErrorAlertProps) {
  return (
    <div className="alert alert--error" role="alert" data-testid={testId} data-error-code={error.code}>
      <p className="alert__title">{error.title}</p>
      <p className="alert__message">{error.message}</p>
      {error.issues.length > 0 ? (
        <ul className="alert__issues">
          {error.issues.map((issue, i) => (
            <li key={i}>
              {issue.field ? <strong>{fieldLabels[issue.field] ?? issue.field}: </strong> : null}
              {issue.message}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
