import { type ReactNode } from 'react';
import { FieldShell } from './form/fields.component';

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
  return (
    <FieldShell label={label} name={name} hint={hint} error={error}>
      {({ id, describedBy, invalid }) => (
        <input
          id={id}
          name={name}
          type={type}
          value={value}
          autoComplete={autoComplete}
          list={list}
          required={required}
          aria-invalid={invalid}
          aria-describedby={describedBy}
          onChange={(event) => onChange(event.target.value)}
        />
      )}
    </FieldShell>
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
