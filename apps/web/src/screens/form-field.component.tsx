import { useId, type ReactNode } from 'react';

export interface FormFieldProps {
  label: string;
  name: string;
  value: string;
  onChange(value: string): void;
  type?: 'text' | 'email' | 'password';
  autoComplete?: string;
  hint?: string;
  error?: string | undefined;
}

/** A labelled input with its hint and its error, wired for screen readers. */
export function FormField({ label, name, value, onChange, type = 'text', autoComplete, hint, error }: FormFieldProps): ReactNode {
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
