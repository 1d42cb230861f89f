import { useId, useState, type FormEvent } from 'react';
import { auditTrailFilterSchema, type AuditTrailFilter } from '../../../shared/audit-views';
import { auditActions } from '../../../shared/domain';
import { issuesFromZod, titleFor, type UiError } from '../errors';
import { localInputToIso } from '../format';
import { ErrorAlert } from './ErrorAlert';
import { DateTimeField, TextField } from './FormFields';

type TextKey = 'conversationId' | 'tradingId' | 'operator' | 'caseReference' | 'workstation';
const textFields: ReadonlyArray<{ key: TextKey; label: string; testId: string; placeholder: string }> = [
  { key: 'tradingId', label: 'Trading ID', testId: 'audit-filter-trading-id', placeholder: 'e.g. T-2024-0001' },
  { key: 'conversationId', label: 'Conversation ID', testId: 'audit-filter-conversation', placeholder: 'Conversation id' },
  { key: 'operator', label: 'Operator', testId: 'audit-filter-operator', placeholder: 'Name or OS account' },
  { key: 'caseReference', label: 'Case reference', testId: 'audit-filter-case', placeholder: 'e.g. FCA-2026-0042' },
  { key: 'workstation', label: 'Workstation', testId: 'audit-filter-workstation', placeholder: 'Hostname or log id' },
];
const fieldLabels: Readonly<Record<string, string>> = {
  ...Object.fromEntries(textFields.map((f) => [f.key, f.label])),
  action: 'Action',
  from: 'From',
  to: 'To',
};

type FormValues = Record<TextKey | 'action' | 'from' | 'to', string> & { alertsOnly: boolean };
const emptyForm: FormValues = { tradingId: '', conversationId: '', operator: '', caseReference: '', workstation: '', action: '', from: '', to: '', alertsOnly: false };

type AuditFilterPanelProps = {
  busy: boolean;
  onFilter(filter: AuditTrailFilter): void;
};

/** The filters of `custody audit show`, as a form. */
export function AuditFilterPanel({ busy, onFilter }: AuditFilterPanelProps) {
  const idPrefix = useId();
  const [values, setValues] = useState<FormValues>(emptyForm);
  const [error, setError] = useState<UiError | null>(null);
  const invalid = new Set(error?.issues.map((issue) => issue.field));

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const candidate: Record<string, unknown> = {};
    for (const { key } of textFields) if (values[key].trim() !== '') candidate[key] = values[key].trim();
    if (values.action) candidate.action = values.action;
    const from = localInputToIso(values.from);
    const to = localInputToIso(values.to);
    if (from) candidate.from = from;
    if (to) candidate.to = to;
    if (values.alertsOnly) candidate.alertsOnly = true;
    const parsed = auditTrailFilterSchema.safeParse(candidate);
    if (!parsed.success) {
      setError({ code: 'VALIDATION', title: titleFor('VALIDATION'), message: 'The filter was not applied.', issues: issuesFromZod(parsed.error.issues) });
      return;
    }
    setError(null);
    onFilter(parsed.data);
  }

  function clear() {
    setValues(emptyForm);
    setError(null);
    onFilter({});
  }

  return (
    <section className="panel search-panel" aria-labelledby={`${idPrefix}-title`}>
      <h2 className="panel__title" id={`${idPrefix}-title`}>
        Filter accesses
      </h2>
      <form className="search-form" onSubmit={submit} noValidate aria-busy={busy}>
        {textFields.map((field) => (
          <TextField
            key={field.key}
            id={`${idPrefix}-${field.key}`}
            label={field.label}
            testId={field.testId}
            placeholder={field.placeholder}
            value={values[field.key]}
            invalid={invalid.has(field.key)}
            onChange={(value) => setValues({ ...values, [field.key]: value })}
          />
        ))}
        <div className="field">
          <label htmlFor={`${idPrefix}-action`}>Action</label>
          <select id={`${idPrefix}-action`} data-testid="audit-filter-action" value={values.action} onChange={(e) => setValues({ ...values, action: e.target.value })}>
            <option value="">Any</option>
            {auditActions.map((action) => (
              <option key={action} value={action}>
                {action}
              </option>
            ))}
          </select>
        </div>
        <fieldset className="field-group">
          <legend>Access time</legend>
          {(['from', 'to'] as const).map((key) => (
            <DateTimeField
              key={key}
              id={`${idPrefix}-${key}`}
              label={fieldLabels[key] ?? key}
              testId={`audit-filter-${key}`}
              value={values[key]}
              invalid={invalid.has(key)}
              onChange={(value) => setValues({ ...values, [key]: value })}
            />
          ))}
        </fieldset>
        <label className="checkbox">
          <input type="checkbox" data-testid="audit-filter-alerts" checked={values.alertsOnly} onChange={(e) => setValues({ ...values, alertsOnly: e.target.checked })} />
          Only accesses that raised alerts
        </label>
        <div className="search-form__actions">
          <button type="submit" className="button button--primary" data-testid="audit-filter-submit" disabled={busy}>
            {busy ? 'Loading…' : 'Show'}
          </button>
          <button type="button" className="button" onClick={clear} disabled={busy}>
            Clear
          </button>
        </div>
        {error ? <ErrorAlert error={error} fieldLabels={fieldLabels} testId="audit-filter-error" /> : null}
      </form>
    </section>
  );
}
