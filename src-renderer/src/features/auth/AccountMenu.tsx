import { useState } from 'react';
import Button from '@mui/material/Button';
import Divider from '@mui/material/Divider';
import ListItemIcon from '@mui/material/ListItemIcon';
import ListItemText from '@mui/material/ListItemText';
import Menu from '@mui/material/Menu';
import MenuItem from '@mui/material/MenuItem';
import Typography from '@mui/material/Typography';
import AccountCircleIcon from '@mui/icons-material/AccountCircle';
import KeyIcon from '@mui/icons-material/Key';
import LockIcon from '@mui/icons-material/Lock';
import LogoutIcon from '@mui/icons-material/Logout';
import PasswordIcon from '@mui/icons-material/Password';
import PhonelinkLockIcon from '@mui/icons-material/PhonelinkLock';
import TranslateIcon from '@mui/icons-material/Translate';
import HubIcon from '@mui/icons-material/Hub';
import { useAuth } from '../../app/auth';
import { useAppInfo } from '../../app/app-info';
import { useApiQuery } from '../../components/query';
import { ChangePasswordDialog } from './ChangePasswordDialog';
import { DisplaySettingsDialog } from './DisplaySettingsDialog';
import { TeamServerDialog } from '../../components/TeamServerDialog';
import { TokensDialog } from './TokensDialog';
import { TwoFactorDialog } from './TwoFactorDialog';

type Open = null | 'password' | 'totp' | 'tokens' | 'display' | 'team';

/**
 * The account menu of the top bar: who is signed in, lock, password, second factor, API tokens, language and
 * formats, the team server (desktop app only), sign out.
 */
export function AccountMenu() {
  const auth = useAuth();
  const [anchor, setAnchor] = useState<HTMLElement | null>(null);
  const [open, setOpen] = useState<Open>(null);
  const info = useAppInfo();
  // Only the desktop app can be pointed at a team server (a browser on the server is already there).
  const team = useApiQuery('desktop:team-server', {}, { enabled: auth !== null }).data;
  if (!auth) return null;
  const { operator, status } = auth;
  const pick = (what: () => void) => () => {
    setAnchor(null);
    what();
  };
  return (
    <>
      <Button
        color="inherit"
        size="small"
        startIcon={<AccountCircleIcon />}
        onClick={(e) => setAnchor(e.currentTarget)}
        aria-haspopup="menu"
        aria-expanded={anchor !== null}
        data-testid="account-menu"
        sx={{ textTransform: 'none', color: 'text.primary' }}
      >
        {operator.name}
      </Button>
      <Menu
        anchorEl={anchor}
        open={anchor !== null}
        onClose={() => setAnchor(null)}
        anchorOrigin={{ vertical: 'bottom', horizontal: 'right' }}
        transformOrigin={{ vertical: 'top', horizontal: 'right' }}
        slotProps={{ paper: { sx: { minWidth: 260 } } }}
      >
        <MenuItem disabled sx={{ '&.Mui-disabled': { opacity: 1 }, display: 'block' }}>
          <Typography variant="subtitle2">{operator.name}</Typography>
          <Typography variant="caption" color="textSecondary" component="div">
            {operator.login} · {operator.roles.join(', ')}
          </Typography>
        </MenuItem>
        <Divider />
        <MenuItem onClick={pick(auth.lock)} data-testid="account-lock">
          <ListItemIcon>
            <LockIcon fontSize="small" />
          </ListItemIcon>
          <ListItemText>Lock</ListItemText>
          <Typography variant="caption" color="textSecondary" sx={{ ml: 2 }}>
            Ctrl+Shift+L
          </Typography>
        </MenuItem>
        <MenuItem onClick={pick(() => setOpen('password'))} data-testid="account-change-password">
          <ListItemIcon>
            <PasswordIcon fontSize="small" />
          </ListItemIcon>
          <ListItemText>Change password…</ListItemText>
        </MenuItem>
        <MenuItem onClick={pick(() => setOpen('totp'))} data-testid="account-totp">
          <ListItemIcon>
            <PhonelinkLockIcon fontSize="small" />
          </ListItemIcon>
          <ListItemText>Two-factor authentication…</ListItemText>
          <Typography
            variant="caption"
            color={status.totpEnabled ? 'success' : 'textSecondary'}
            sx={{ ml: 2 }}
          >
            {status.totpEnabled ? 'On' : 'Off'}
          </Typography>
        </MenuItem>
        <MenuItem onClick={pick(() => setOpen('tokens'))} data-testid="account-tokens">
          <ListItemIcon>
            <KeyIcon fontSize="small" />
          </ListItemIcon>
          <ListItemText>API tokens…</ListItemText>
        </MenuItem>
        <MenuItem onClick={pick(() => setOpen('display'))} data-testid="account-display-settings">
          <ListItemIcon>
            <TranslateIcon fontSize="small" />
          </ListItemIcon>
          <ListItemText>Language & formats…</ListItemText>
        </MenuItem>
        {team?.available && (
          <MenuItem onClick={pick(() => setOpen('team'))} data-testid="account-team-server">
            <ListItemIcon>
              <HubIcon fontSize="small" />
            </ListItemIcon>
            <ListItemText>Team server…</ListItemText>
          </MenuItem>
        )}
        <Divider />
        <MenuItem onClick={pick(auth.signOut)} data-testid="account-sign-out">
          <ListItemIcon>
            <LogoutIcon fontSize="small" />
          </ListItemIcon>
          <ListItemText>Sign out</ListItemText>
        </MenuItem>
      </Menu>
      {open === 'password' && <ChangePasswordDialog onClose={() => setOpen(null)} />}
      {open === 'totp' && <TwoFactorDialog onClose={() => setOpen(null)} />}
      <TokensDialog open={open === 'tokens'} onClose={() => setOpen(null)} />
      {open === 'display' && <DisplaySettingsDialog onClose={() => setOpen(null)} />}
      {open === 'team' && (
        <TeamServerDialog ledgerFile={info.info?.ledgerFile ?? ''} onClose={() => setOpen(null)} />
      )}
    </>
  );
}
