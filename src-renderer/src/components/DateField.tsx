import TextField, { type TextFieldProps } from '@mui/material/TextField';

/** A long, unambiguous reading of an ISO day in the user's locale ("Fri, Dec 4, 2026"), or '' when not a day. */
export function readableDay(iso: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(iso)) return '';
  const [y, m, d] = iso.split('-').map(Number) as [number, number, number];
  const day = new Date(Date.UTC(y, m - 1, d));
  if (day.getUTCDate() !== d) return '';
  return new Intl.DateTimeFormat(undefined, {
    weekday: 'short',
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    timeZone: 'UTC',
  }).format(day);
}

/**
 * A day field: the browser's date input (shown in the user's locale, with a calendar) holding an ISO
 * `yyyy-MM-dd` value, wide enough to read, with the day spelled out on hover. Use it for every date filter.
 */
export function DateField({
  value,
  slotProps,
  ...rest
}: Omit<TextFieldProps, 'sx' | 'type'> & { value: string }) {
  return (
    <TextField
      {...rest}
      type="date"
      value={value}
      title={readableDay(value)}
      sx={{ minWidth: 150 }}
      slotProps={{ ...slotProps, inputLabel: { shrink: true, ...(slotProps?.inputLabel as object) } }}
    />
  );
}
