import AppBar from '@mui/material/AppBar';
import Box from '@mui/material/Box';
import IconButton from '@mui/material/IconButton';
import Toolbar from '@mui/material/Toolbar';
import Tooltip from '@mui/material/Tooltip';
import Typography from '@mui/material/Typography';
import AccountBalanceWalletIcon from '@mui/icons-material/AccountBalanceWallet';
import DarkModeIcon from '@mui/icons-material/DarkMode';
import LightModeIcon from '@mui/icons-material/LightMode';
import { AccountMenu } from '../features/auth/AccountMenu';
import type { ThemeMode } from './theme';

/** The top bar: product name, current area, theme toggle, account menu. */
export function TopBar({
  mode,
  title,
  onToggleMode,
}: {
  mode: ThemeMode;
  title: string;
  onToggleMode: () => void;
}) {
  const next = mode === 'dark' ? 'light' : 'dark';
  return (
    <AppBar position="static" sx={{ borderBottom: 1, borderColor: 'divider', bgcolor: 'background.paper' }}>
      <Toolbar variant="dense" sx={{ gap: 1.5, minHeight: 48 }}>
        <AccountBalanceWalletIcon color="primary" />
        <Typography variant="h6" component="div" sx={{ fontWeight: 700, letterSpacing: '0.01em' }}>
          Paydesk
        </Typography>
        <Typography
          variant="body2"
          color="textSecondary"
          sx={{ borderLeft: 1, borderColor: 'divider', pl: 1.5 }}
        >
          {title}
        </Typography>
        <Box sx={{ flex: 1 }} />
        <Tooltip title={`Switch to ${next} theme`}>
          <IconButton
            onClick={onToggleMode}
            aria-label={`Switch to ${next} theme`}
            data-testid="theme-toggle"
            size="small"
          >
            {mode === 'dark' ? <LightModeIcon fontSize="small" /> : <DarkModeIcon fontSize="small" />}
          </IconButton>
        </Tooltip>
        <AccountMenu />
      </Toolbar>
    </AppBar>
  );
}
