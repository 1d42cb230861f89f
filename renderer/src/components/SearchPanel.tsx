import { useId, useState, type FormEvent } from 'react';
import { searchQuerySchema, type SearchQuery, type SearchResult } from '../../../shared/domain';
import { useCustodyApi } from '../api';
import { attempts, issuesFromZod, logIfUnexpected, titleFor, toUiError, type UiError } from '../errors';
import { localInputToIso } from '../format';
import { ErrorAlert } from './ErrorAlert';
import { DateTimeField, TextField } from './FormFields';

type FieldKey = keyof SearchQuery;

const textFields: ReadonlyArray<{ key: FieldKey; label: string; testId: string; placeholder: string }> = [
  { key: 'tradingId', label: 'Trading ID', testId: 'search-trading-id', placeholder: 'e.g. T-2024-0001' },
  { key: 'clientAccount', label: 'Client account', testId: 'search-client-account', placeholder: 'e.g. ACC-10442' },
  { key: 'agent', label: 'Agent', testId: 'search-agent', placeholder: 'Name or user id' },
  { key: 'queue', label: 'Queue', testId: 'search-queue', placeholder: 'e.g. FX Desk' },
  { key: 'text', label: 'Words', testId: 'search-text', placeholder: 'Names, IDs: any word' },
  { key: 'said', label: 'Said', testId: 'search-said', placeholder: 'Words spoken in the call' },
];

const dateFields: ReadonlyArray<{ key: 'from' | 'to'; label: string; testId: string }> = [
  { key: 'from', label: 'From', testId: 'search-from' },
  { key: 'to', label: 'To', testId: 'search-to' },
];

const searchFieldLabels: Readonly<Record<string, string>> = Object.fromEntries(
  [...textFields, ...dateFields].map((f) => [f.key, f.label]),
);

type FormValues = Record<FieldKey, string>;
const emptyForm: FormValues = { tradingId: '', clientAccount: '', agent: '', queue: '', text: '', said: '', from: '', to: '' };

/** The form as a query: blank fields left out, local date-times converted to UTC instants. */
function toQuery(values: Readonly<FormValues>): Record<string, string> {
  const query: Record<string, string> = {};
  for (const { key } of textFields) {
    if (values[key].trim() !== '') query[key] = values[key];
  }
  for (const { key } of dateFields) {
    const iso = localInputToIso(values[key]);
    if (iso !== undefined) query[key] = iso;
  }
  return query;
}

function utcOffsetLabel(): string {
  const minutes = -new Date().getTimezoneOffset();
  const sign = minutes >= 0 ? '+' : '−';
  const abs = Math.abs(minutes);
  return `UTC${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

type SearchPanelProps = {
  onResult(query: SearchQuery, result: SearchResult): void;
};

export function SearchPanel({ onResult }: SearchPanelProps) {
  const api = useCustodyApi();
  const idPrefix = useId();
  const [values, setValues] = useState<FormValues>(emptyForm);
  const [error, setError] = useState<UiError | null>(null);
  const [busy, setBusy] = useState(false);
  const invalidFields = new Set(error?.issues.map((issue) => issue.field));

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    // The same schema main enforces: obvious mistakes are caught before anything is sent or audited.
    const parsed = searchQuerySchema.safeParse(toQuery(values));
    if (!parsed.success) {
      setError({
        code: 'VALIDATION',
        title: titleFor('VALIDATION'),
        message: 'The search was not run.',
        issues: issuesFromZod(parsed.error.issues),
      });
      return;
    }
    setBusy(true);
    setError(null);
    try {
      onResult(parsed.data, await api.recordingsSearch(parsed.data));
    } catch (caught) {
      setError(toUiError(caught));
      await logIfUnexpected(api, 'search', caught);
    } finally {
      setBusy(false);
    }
  }

  function reset() {
    setValues(emptyForm);
    setError(null);
  }

  return (
    <section className="panel search-panel" aria-labelledby={`${idPrefix}-title`}>
      <h2 className="panel__title" id={`${idPrefix}-title`}>
        Find recordings
      </h2>
      <form className="search-form" onSubmit={submit} noValidate aria-busy={busy}>
        {textFields.map((field, i) => (
          <TextField
            key={field.key}
            id={`${idPrefix}-${field.key}`}
            label={field.label}
            testId={field.testId}
            placeholder={field.placeholder}
            autoFocus={i === 0}
            value={values[field.key]}
            invalid={invalidFields.has(field.key)}
            onChange={(value) => setValues({ ...values, [field.key]: value })}
          />
        ))}
        <fieldset className="field-group">
          <legend>Call start</legend>
          <p className="field__hint">Workstation time ({utcOffsetLabel()}); searched in UTC.</p>
          {dateFields.map((field) => (
            <DateTimeField
              key={field.key}
              id={`${idPrefix}-${field.key}`}
              label={field.label}
              testId={field.testId}
              value={values[field.key]}
              invalid={invalidFields.has(field.key)}
              onChange={(value) => setValues({ ...values, [field.key]: value })}
            />
          ))}
        </fieldset>
        <div className="search-form__actions">
          <button type="submit" className="button button--primary" data-testid="search-submit" disabled={busy}>
            {busy ? 'Searching…' : 'Search'}
          </button>
          <button type="button" className="button" onClick={reset} disabled={busy}>
            Clear
          </button>
        </div>
        <div className="search-form__errors" data-testid="search-error-region">
          {error ? <ErrorAlert error={error} fieldLabels={searchFieldLabels} attempt={attempts.search} testId="search-error" /> : null}
        </div>
      </form>
    </section>
  );
}
