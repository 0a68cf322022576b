import { useState } from 'react';
import Box from '@mui/material/Box';
import Typography from '@mui/material/Typography';
import PeopleIcon from '@mui/icons-material/People';
import Button from '@mui/material/Button';
import UploadFileIcon from '@mui/icons-material/UploadFile';
import { useAppInfo } from '../../app/app-info';
import { ArImportDialog } from '../receivables';
import { AccountDetail } from './AccountDetail';
import { AccountSearchPanel } from './AccountSearchPanel';

/** The Accounts area: search on the left, the selected account on the right. */
export function AccountsPage({
  active,
  accountNo,
  onSelect,
  onOpenWelcome,
}: {
  active: boolean;
  accountNo: string | null;
  onSelect: (accountNo: string) => void;
  onOpenWelcome: () => void;
}) {
  const [arOpen, setArOpen] = useState(false);
  const roles = useAppInfo().info?.operator.roles ?? [];
  const mayImport = roles.includes('supervisor') || roles.includes('admin');

  return (
    <Box sx={{ display: 'flex', height: '100%', minHeight: 0 }}>
      <AccountSearchPanel
        active={active}
        selectedAccountNo={accountNo}
        onSelect={onSelect}
        onOpenWelcome={onOpenWelcome}
      />
      <Box sx={{ flex: 1, overflowY: 'auto', minWidth: 0 }} component="section" aria-label="Account">
        {mayImport && (
          <Box sx={{ display: 'flex', justifyContent: 'flex-end', px: 2, pt: 0.5 }}>
            <Button
              size="small"
              startIcon={<UploadFileIcon />}
              onClick={() => setArOpen(true)}
              data-testid="import-receivables"
            >
              Import receivables…
            </Button>
          </Box>
        )}
        {arOpen && <ArImportDialog onClose={() => setArOpen(false)} />}
        {accountNo ? (
          <AccountDetail accountNo={accountNo} active={active} />
        ) : (
          <Box
            sx={{
              height: '100%',
              display: 'flex',
              flexDirection: 'column',
              alignItems: 'center',
              justifyContent: 'center',
              gap: 1,
              color: 'text.secondary',
              p: 4,
              textAlign: 'center',
            }}
            data-testid="no-account-selected"
          >
            <PeopleIcon sx={{ fontSize: 48, color: 'text.disabled' }} />
            <Typography color="textPrimary">No account open</Typography>
            <Typography variant="body2">
              Search by account number or name, then press ↓ and Enter, or click a result.
            </Typography>
          </Box>
        )}
      </Box>
    </Box>
  );
}
