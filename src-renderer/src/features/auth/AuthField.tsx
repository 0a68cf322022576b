import { Controller, type Control, type FieldValues, type Path } from 'react-hook-form';
import TextField from '@mui/material/TextField';

/**
 * One field of the sign-in, lock, first-admin and password screens: the field's own problem replaces its hint,
 * and nothing a user types here is spell-checked (logins, passwords and codes are not words).
 */
export function AuthField(props: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  testId: string;
  autoComplete: string;
  secret?: boolean;
  autoFocus?: boolean;
  problem?: string | undefined;
  hint?: string | undefined;
  /** Marks the field wrong without a message of its own (the form's alert says why). */
  flagged?: boolean;
}) {
  return (
    <TextField
      label={props.label}
      type={props.secret ? 'password' : 'text'}
      value={props.value}
      onChange={(e) => props.onChange(e.target.value)}
      autoFocus={props.autoFocus}
      autoComplete={props.autoComplete}
      error={Boolean(props.problem) || Boolean(props.flagged)}
      helperText={props.problem ?? props.hint}
      slotProps={{ htmlInput: { 'data-testid': props.testId, spellCheck: false } }}
    />
  );
}

/** An AuthField bound to a react-hook-form field: its value, and its problem (the rule's or the service's). */
export function FormAuthField<T extends FieldValues>({
  control,
  name,
  ...props
}: {
  control: Control<T, unknown, FieldValues>;
  name: Path<T>;
  label: string;
  testId: string;
  autoComplete: string;
  secret?: boolean;
  autoFocus?: boolean;
  hint?: string;
}) {
  return (
    <Controller
      control={control}
      name={name}
      render={({ field, fieldState }) => (
        <AuthField
          {...props}
          value={String(field.value ?? '')}
          onChange={field.onChange}
          problem={fieldState.error?.message}
        />
      )}
    />
  );
}
