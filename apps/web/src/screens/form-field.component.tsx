import { useId, type ReactNode } from 'react';

export interface FormFieldProps {
  label: string;
  name: string;
  value: string;
  onChange(value: string): void;
  type?: 'text' | 'email' | 'password' | 'tel' | 'time' | 'date' | 'datetime-local';
  /** The id of a <datalist> of suggestions. */
  list?: string;
  required?: boolean;
  autoComplete?: string;
  hint?: string;
  error?: string | undefined;
}

/** A labelled input with its hint and its error, wired for screen readers. */
export function FormField({ label, name, value, onChange, type = 'text', autoComplete, hint, error, list, required }: FormFieldProps): ReactNode {
  const id = useId();
  const described = [hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean).join(' ');
  return (
    <div className={error ? 'field field--invalid' : 'field'}>
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        name={name}
        type={type}
        value={value}
        autoComplete={autoComplete}
        list={list}
        required={required}
        aria-invalid={error ? true : undefined}
        aria-describedby={described || undefined}
        onChange={(event) => onChange(event.target.value)}
      />
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

/** Messages that concern the whole form. */
export function FormAlert({ messages }: { messages: readonly string[] }): ReactNode {
  if (messages.length === 0) return null;
  return (
    <div className="form-alert" role="alert">
      {messages.map((message) => (
        <p key={message}>{message}</p>
      ))}
    </div>
  );
}
