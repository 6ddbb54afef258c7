import { useId, type ReactNode } from 'react';

interface ShellProps {
  label: string;
  name: string;
  hint?: string | undefined;
  error?: string | undefined;
  children: (control: { id: string; describedBy: string | undefined; invalid: true | undefined }) => ReactNode;
}

/** Label, hint and error around one control, wired for screen readers (FormField puts an input in it). */
export function FieldShell({ label, name, hint, error, children }: ShellProps): ReactNode {
  const id = useId();
  const describedBy = [hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean).join(' ') || undefined;
  return (
    <div className={error ? 'field field--invalid' : 'field'}>
      <label htmlFor={id}>{label}</label>
      {children({ id, describedBy, invalid: error ? true : undefined })}
      {hint ? (
        <p className="field__hint" id={`${id}-hint`}>
          {hint}
        </p>
      ) : null}
      {error ? (
        <p className="field__error" id={`${id}-error`} data-field-error={name}>
          {error}
        </p>
      ) : null}
    </div>
  );
}

export interface SelectOption {
  value: string;
  label: string;
  /** The label is data (an id or a name), not product text. */
  data?: boolean;
}

interface SelectFieldProps {
  label: string;
  name: string;
  value: string;
  options: readonly SelectOption[];
  onChange(value: string): void;
  hint?: string;
  error?: string | undefined;
}

export function SelectField({ label, name, value, options, onChange, hint, error }: SelectFieldProps): ReactNode {
  return (
    <FieldShell label={label} name={name} hint={hint} error={error}>
      {({ id, describedBy, invalid }) => (
        <select id={id} name={name} value={value} aria-invalid={invalid} aria-describedby={describedBy} onChange={(event) => onChange(event.target.value)}>
          {options.map((option) => (
            <option key={option.value} value={option.value} translate={option.data ? 'no' : undefined}>
              {option.label}
            </option>
          ))}
        </select>
      )}
    </FieldShell>
  );
}

interface NumberFieldProps {
  label: string;
  name: string;
  /** undefined: empty (an optional setting left out). */
  value: number | undefined;
  onChange(value: number | undefined): void;
  min?: number;
  max?: number;
  step?: number;
  hint?: string;
  error?: string | undefined;
}

export function NumberField({ label, name, value, onChange, min, max, step, hint, error }: NumberFieldProps): ReactNode {
  return (
    <FieldShell label={label} name={name} hint={hint} error={error}>
      {({ id, describedBy, invalid }) => (
        <input
          id={id}
          name={name}
          type="number"
          inputMode="decimal"
          value={value === undefined || Number.isNaN(value) ? '' : String(value)}
          min={min}
          max={max}
          step={step}
          aria-invalid={invalid}
          aria-describedby={describedBy}
          onChange={(event) => onChange(event.target.value === '' ? undefined : Number(event.target.value))}
        />
      )}
    </FieldShell>
  );
}

interface TextAreaFieldProps {
  label: string;
  name: string;
  value: string;
  onChange(value: string): void;
  rows?: number;
  hint?: string;
  error?: string | undefined;
}

export function TextAreaField({ label, name, value, onChange, rows = 2, hint, error }: TextAreaFieldProps): ReactNode {
  return (
    <FieldShell label={label} name={name} hint={hint} error={error}>
      {({ id, describedBy, invalid }) => (
        <textarea id={id} name={name} rows={rows} value={value} aria-invalid={invalid} aria-describedby={describedBy} onChange={(event) => onChange(event.target.value)} />
      )}
    </FieldShell>
  );
}

interface CheckboxFieldProps {
  label: string;
  name: string;
  checked: boolean;
  onChange(checked: boolean): void;
  error?: string | undefined;
}

export function CheckboxField({ label, name, checked, onChange, error }: CheckboxFieldProps): ReactNode {
  const id = useId();
  return (
    <div className={error ? 'field field--check field--invalid' : 'field field--check'}>
      <input id={id} name={name} type="checkbox" checked={checked} aria-invalid={error ? true : undefined} aria-describedby={error ? `${id}-error` : undefined} onChange={(event) => onChange(event.target.checked)} />
      <label htmlFor={id}>{label}</label>
      {error ? (
        <p className="field__error" id={`${id}-error`} data-field-error={name}>
          {error}
        </p>
      ) : null}
    </div>
  );
}

/** A value from the data (a name, an id, a number) rather than product text: never translated. */
export function Data({ children }: { children: ReactNode }): ReactNode {
  return <bdi translate="no">{children}</bdi>;
}
