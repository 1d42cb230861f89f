type FieldProps = {
  id: string;
  label: string;
  testId: string;
  value: string;
  invalid: boolean;
  onChange(value: string): void;
};

/** A labelled one-line input for identifiers and names: no autocomplete, no spell check. */
export function TextField({ placeholder, autoFocus = false, ...field }: FieldProps & { placeholder: string; autoFocus?: boolean }) {
  return (
    <div className="field">
      <label htmlFor={field.id}>{field.label}</label>
      <input
        id={field.id}
        data-testid={field.testId}
        type="text"
        autoComplete="off"
        spellCheck={false}
        autoFocus={autoFocus}
        placeholder={placeholder}
        value={field.value}
        aria-invalid={field.invalid || undefined}
        onChange={(e) => field.onChange(e.target.value)}
      />
    </div>
  );
}

/** A labelled date and time to the second, in workstation time. */
export function DateTimeField(field: FieldProps) {
  return (
    <div className="field">
      <label htmlFor={field.id}>{field.label}</label>
      <input
        id={field.id}
        data-testid={field.testId}
        type="datetime-local"
        step={1}
        value={field.value}
        aria-invalid={field.invalid || undefined}
        onChange={(e) => field.onChange(e.target.value)}
      />
    </div>
  );
}
