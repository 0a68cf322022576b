import type { Theme } from '@mui/material/styles';
import { themeQuartz, type Theme as GridTheme } from 'ag-grid-community';
import { FONT_STACK } from '../app/theme';

/** The AG Grid theme derived from the MUI theme so grids match the rest of the app in both modes. */
export function createGridTheme(theme: Theme): GridTheme {
  const p = theme.palette;
  return themeQuartz.withParams({
    accentColor: p.primary.main,
    backgroundColor: p.background.paper,
    foregroundColor: p.text.primary,
    chromeBackgroundColor: p.mode === 'dark' ? '#1d232b' : '#f6f8fb',
    headerTextColor: p.text.secondary,
    borderColor: p.divider,
    browserColorScheme: p.mode,
    fontFamily: FONT_STACK,
    fontSize: 13,
    headerFontWeight: 600,
    rowHeight: 34,
    headerHeight: 38,
    wrapperBorderRadius: theme.shape.borderRadius,
  });
}
