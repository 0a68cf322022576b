import { createTheme, type Theme } from '@mui/material/styles';

/** Light or dark. */
export type ThemeMode = 'light' | 'dark';

const STORAGE_KEY = 'paydesk.theme';

/** The font stack shared by MUI and the grids. */
export const FONT_STACK = [
  'Inter',
  'system-ui',
  '-apple-system',
  '"Segoe UI"',
  'Roboto',
  '"Helvetica Neue"',
  'Arial',
  'sans-serif',
].join(',');

/** The theme mode saved by the user, else the system preference. */
export function initialThemeMode(): ThemeMode {
  try {
    const saved = window.localStorage.getItem(STORAGE_KEY);
    if (saved === 'light' || saved === 'dark') return saved;
  } catch {
    // Storage can be unavailable (privacy settings); fall through to the system preference.
  }
  return window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

/** Saves the theme mode for the next start. */
export function saveThemeMode(mode: ThemeMode): void {
  try {
    window.localStorage.setItem(STORAGE_KEY, mode);
  } catch {
    // Not being able to remember the choice is harmless.
  }
}

/** The one MUI theme of the app: dense, back-office friendly, with light and dark palettes. */
export function createAppTheme(mode: ThemeMode): Theme {
  const dark = mode === 'dark';
  return createTheme({
    palette: {
      mode,
      primary: { main: dark ? '#7aa7ff' : '#1f5fbf' },
      secondary: { main: dark ? '#5fd3c4' : '#00796b' },
      background: dark ? { default: '#0f1318', paper: '#171c23' } : { default: '#f3f5f8', paper: '#ffffff' },
      divider: dark ? 'rgba(255,255,255,0.10)' : 'rgba(15,23,42,0.10)',
    },
    shape: { borderRadius: 6 },
    typography: {
      fontFamily: FONT_STACK,
      fontSize: 13,
      h5: { fontWeight: 600 },
      h6: { fontWeight: 600, fontSize: '1rem' },
      subtitle2: { fontWeight: 600 },
      overline: { fontWeight: 600, letterSpacing: '0.08em', lineHeight: 1.6 },
    },
    components: {
      // A sideways swipe or wheel past a grid's edge must not go back a page (and close the batch being keyed).
      MuiCssBaseline: { styleOverrides: { 'html, body': { overscrollBehaviorX: 'none' } } },
      MuiAppBar: { defaultProps: { elevation: 0, color: 'default' } },
      MuiButton: {
        defaultProps: { disableElevation: true },
        styleOverrides: { root: { textTransform: 'none' } },
      },
      MuiToggleButton: { styleOverrides: { root: { textTransform: 'none' } } },
      MuiTableCell: {
        styleOverrides: {
          head: { fontWeight: 600, whiteSpace: 'nowrap' },
          root: { fontVariantNumeric: 'tabular-nums', whiteSpace: 'nowrap' },
          sizeSmall: { padding: '6px 12px', '&:first-of-type': { paddingLeft: 16 } },
        },
      },
      MuiChip: { styleOverrides: { root: { fontWeight: 500 } } },
    },
  });
}
