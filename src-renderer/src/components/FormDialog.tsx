import { useCallback, type FormEvent, type ReactNode } from 'react';
import { zodResolver } from '@hookform/resolvers/zod';
import {
  useForm,
  type FieldPath,
  type FieldValues,
  type Path,
  type UseFormProps,
  type UseFormReturn,
} from 'react-hook-form';
import { z } from 'zod';
import Alert from '@mui/material/Alert';
import Button, { type ButtonProps } from '@mui/material/Button';
import Dialog, { type DialogProps } from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import LinearProgress from '@mui/material/LinearProgress';
import { commandInputs, type InputCommandName } from '../../../src-shared/api/inputs';
import { formatMinor } from '../../../src-shared/money';
import { ApiCallError } from '../api/client';
import { parseLocalAmount } from './amount';

/**
 * A react-hook-form form validated by a zod schema (usually built from the command's own input schema, so the
 * dialog refuses exactly what the service would). Errors show once a field was left or the form submitted.
 */
export function useZodForm<TIn extends FieldValues, TOut extends FieldValues>(
  schema: z.ZodType<TOut, TIn>,
  defaultValues: UseFormProps<TIn, unknown, TOut>['defaultValues'],
): UseFormReturn<TIn, unknown, TOut> {
  return useForm<TIn, unknown, TOut>({ resolver: zodResolver(schema), defaultValues, mode: 'onTouched' });
}

/** The fields of a command's input schema, to build a form schema from (same limits, same messages). */
export function inputShape<K extends InputCommandName>(command: K): (typeof commandInputs)[K]['shape'] {
  return commandInputs[command].shape;
}

/** A text field for a whole number: empty means null; otherwise digits, checked by the command's own rule. */
export function countText(rule: z.ZodType<number, number>) {
  return z
    .string()
    .trim()
    .refine((t) => t === '' || /^\d{1,15}$/.test(t), 'A whole number')
    .transform((t) => (t === '' ? null : Number(t)))
    .pipe(rule.nullable());
}

/**
 * A text field for an amount in the user's locale (the one shared parser); gives the contract's plain decimal, or
 * null when empty and `optional`.
 */
export function amountText(exponent: number, options: { optional?: boolean } = {}) {
  return z
    .string()
    .trim()
    .transform((t, ctx) => {
      if (t === '') {
        if (options.optional) return null;
        ctx.addIssue({ code: 'custom', message: 'Enter an amount' });
        return z.NEVER;
      }
      const parsed = parseLocalAmount(t, exponent);
      if (!parsed.ok) {
        ctx.addIssue({ code: 'custom', message: parsed.error.reason });
        return z.NEVER;
      }
      return formatMinor(parsed.value, exponent);
    });
}

/** Props that bind an MUI TextField to a form field: value, change, blur, error state and its message. */
export function fieldProps<T extends FieldValues>(
  form: UseFormReturn<T, unknown, FieldValues>,
  name: Path<T>,
) {
  const problem = form.formState.errors[name]?.message;
  return {
    ...form.register(name),
    error: typeof problem === 'string',
    ...(typeof problem === 'string' ? { helperText: problem } : {}),
  };
}

/**
 * Puts a service's field problems (validation issues whose path names a form field) on those fields; returns
 * the message for what could not be placed, or null when every problem found its field.
 */
export function applyServerProblems<T extends FieldValues>(
  form: UseFormReturn<T, unknown, FieldValues>,
  err: unknown,
  fields: readonly FieldPath<T>[],
): string | null {
  if (!(err instanceof ApiCallError) || err.error.code !== 'validation' || !err.error.issues?.length)
    return null;
  let unplaced = false;
  for (const issue of err.error.issues) {
    const field = fields.find((f) => f === issue.path);
    if (field) form.setError(field, { type: 'server', message: issue.message });
    else unplaced = true;
  }
  return unplaced ? err.error.message : null;
}

export type FormDialogProps = {
  title: ReactNode;
  onClose: () => void;
  onSubmit: () => void | Promise<void>;
  /** A request is running: the dialog cannot close, the buttons wait. */
  busy?: boolean;
  /** The last failure, shown above the buttons. */
  error?: string | null;
  submitLabel?: string;
  submitDisabled?: boolean;
  /**
   * A button to take the focus instead of the first field: 'submit' for a dialog that is one question, 'cancel'
   * once a step asks the user to look again (Enter then never confirms by accident). A change moves the focus.
   */
  focusButton?: 'submit' | 'cancel';
  /** Test id of the dialog; its parts get `<parts>-save`, `<parts>-cancel`, `<parts>-error`. */
  testId: string;
  /** Prefix of the parts' test ids; the dialog's test id when absent. */
  partsTestId?: string;
  /** Test ids a dialog had before the kit, kept for its tests (else `<parts>-save` / `<parts>-cancel`). */
  submitTestId?: string;
  cancelTestId?: string;
  /** Colour of the submit button: `error` for a move that cannot be undone, `warning` for a large amount. */
  submitColor?: ButtonProps['color'];
  maxWidth?: DialogProps['maxWidth'];
  children: ReactNode;
  /** Extra actions left of Cancel. */
  actions?: ReactNode;
  cancelLabel?: string;
};

/**
 * The one dialog frame for forms: title, a progress line while busy, the fields, the error, Cancel and the submit
 * button; Enter in a field or Ctrl+Enter anywhere submits. The first field gets the focus from the app's one
 * dialog-focus rule (components/dialog-focus), which never takes it from a field the user already chose.
 */
export function FormDialog({
  title,
  onClose,
  onSubmit,
  busy = false,
  error,
  submitLabel = 'Save',
  submitDisabled = false,
  focusButton,
  testId,
  partsTestId = testId,
  submitTestId = `${partsTestId}-save`,
  cancelTestId = `${partsTestId}-cancel`,
  submitColor = 'primary',
  maxWidth = 'sm',
  children,
  actions,
  cancelLabel = 'Cancel',
}: FormDialogProps) {
  const submit = useCallback(
    (e: FormEvent) => {
      e.preventDefault();
      if (busy || submitDisabled) return;
      void onSubmit();
    },
    [busy, submitDisabled, onSubmit],
  );
  const titleId = `${testId}-title`;
  return (
    <Dialog
      open
      onClose={busy ? undefined : onClose}
      maxWidth={maxWidth}
      fullWidth
      data-testid={testId}
      aria-labelledby={titleId}
    >
      <form
        onSubmit={submit}
        noValidate
        onKeyDown={(e) => {
          if ((e.ctrlKey || e.metaKey) && e.key === 'Enter') submit(e);
        }}
      >
        <DialogTitle id={titleId}>{title}</DialogTitle>
        <LinearProgress sx={{ height: 2, visibility: busy ? 'visible' : 'hidden' }} aria-hidden />
        <DialogContent sx={{ display: 'flex', flexDirection: 'column', gap: 2, pt: '8px !important' }}>
          {children}
          {error && (
            <Alert severity="error" data-testid={`${partsTestId}-error`}>
              {error}
            </Alert>
          )}
        </DialogContent>
        <DialogActions sx={{ px: 3, pb: 2 }}>
          {actions}
          <Button
            key={focusButton === 'cancel' ? 'cancel-focused' : 'cancel'}
            onClick={onClose}
            disabled={busy}
            autoFocus={focusButton === 'cancel'}
            data-testid={cancelTestId}
          >
            {cancelLabel}
          </Button>
          <Button
            key={focusButton === 'submit' ? 'submit-focused' : 'submit'}
            type="submit"
            variant="contained"
            autoFocus={focusButton === 'submit'}
            color={submitColor}
            disabled={busy || submitDisabled}
            data-testid={submitTestId}
          >
            {submitLabel}
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}
