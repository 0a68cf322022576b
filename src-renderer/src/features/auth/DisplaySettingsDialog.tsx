import { useState } from 'react';
import Box from '@mui/material/Box';
import MenuItem from '@mui/material/MenuItem';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { FormDialog } from '../../components/FormDialog';
import { chosenLocale, LOCALE_CHOICES, saveUserLocale } from '../../components/locale';
import { localeExample, localeName } from './locale-example';

/** The select's value for "follow the operating system" (a select cannot hold null). */
const SYSTEM = 'system';

function systemLocale(): string {
  return (typeof navigator !== 'undefined' && navigator.language) || 'en-US';
}

/**
 * Language & formats: the locale amounts and dates are written and read in, with a live example. Saving
 * re-renders the app in it at once (no reload); the choice is kept on this computer.
 */
export function DisplaySettingsDialog({ onClose }: { onClose: () => void }) {
  const [choice, setChoice] = useState<string>(() => chosenLocale() ?? SYSTEM);
  const locale = choice === SYSTEM ? null : choice;
  const example = localeExample(locale, systemLocale());
  const offered = LOCALE_CHOICES.some((l) => (l ?? SYSTEM) === choice)
    ? LOCALE_CHOICES
    : [...LOCALE_CHOICES, choice];
  return (
    <FormDialog
      title="Language & formats"
      testId="display-settings-dialog"
      partsTestId="display-settings"
      maxWidth="xs"
      onClose={onClose}
      onSubmit={() => {
        onClose();
        saveUserLocale(locale);
      }}
    >
      <TextField
        select
        label="Amounts and dates"
        value={choice}
        onChange={(e) => setChoice(e.target.value)}
        slotProps={{ select: { SelectDisplayProps: { 'data-testid': 'display-locale' } as object } }}
      >
        {offered.map((l) => (
          <MenuItem key={l ?? SYSTEM} value={l ?? SYSTEM} data-testid={`display-locale-${l ?? SYSTEM}`}>
            {l === null ? `System default (${systemLocale()})` : `${localeName(l)} — ${l}`}
          </MenuItem>
        ))}
      </TextField>
      <Box
        sx={{ border: 1, borderColor: 'divider', borderRadius: 1, px: 2, py: 1.5, display: 'grid', gap: 0.5 }}
        data-testid="display-example"
      >
        <Typography variant="caption" color="textSecondary">
          Example
        </Typography>
        <Typography variant="body2">
          Date: <b data-testid="display-example-date">{example.date}</b>
        </Typography>
        <Typography variant="body2" sx={{ fontVariantNumeric: 'tabular-nums' }}>
          Amount: <b data-testid="display-example-amount">{example.amount}</b>
        </Typography>
      </Box>
      <Typography variant="caption" color="textSecondary">
        Amounts are typed and read with these separators too. With the system default, dates stay in the ISO
        form (2026-12-31). Kept on this computer only.
      </Typography>
    </FormDialog>
  );
}
