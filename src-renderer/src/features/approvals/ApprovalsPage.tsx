import { useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import MenuItem from '@mui/material/MenuItem';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { hasRole, type Role } from '../../../../src-shared/api/roles';
import {
  APPROVAL_STATUSES,
  type ApprovalDto,
  type ApprovalStatus,
} from '../../../../src-shared/dto/approvals';
import { errorMessage } from '../../api/client';
import { useAppInfo } from '../../app/app-info';
import { formatTimestamp } from '../../components/format';
import { useApiMutation, useApiQuery } from '../../components/query';

type Decision = { approval: ApprovalDto; kind: 'approve' | 'reject' };

/** Approve (with a code for a second factor) or reject (with a reason) one approval. */
function DecisionDialog({
  decision,
  onClose,
  onDone,
}: {
  decision: Decision | null;
  onClose: () => void;
  onDone: (message: string) => void;
}) {
  const [code, setCode] = useState('');
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  const confirm = useApiMutation('approvals:confirm');
  const reject = useApiMutation('approvals:reject');
  const busy = confirm.busy || reject.busy;
  if (!decision) return null;
  const a = decision.approval;
  const approving = decision.kind === 'approve';
  const needsCode = approving && a.requirement === 'second_factor';
  const submit = async () => {
    setError(null);
    try {
      const out = approving
        ? await confirm.run({ approvalId: a.id, ...(needsCode ? { code: code.trim() } : {}) })
        : await reject.run({ approvalId: a.id, reason: reason.trim() });
      onDone(
        approving ? `Approval #${out.id} approved and run (${out.status}).` : `Approval #${out.id} rejected.`,
      );
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  return (
    <Dialog open onClose={onClose} maxWidth="sm" fullWidth data-testid="approval-dialog">
      <DialogTitle>
        {approving ? 'Approve' : 'Reject'} #{a.id}
      </DialogTitle>
      <DialogContent sx={{ display: 'flex', flexDirection: 'column', gap: 2 }}>
        <Typography variant="body2">{a.description}</Typography>
        <Typography variant="caption" color="text.secondary">
          Prepared by {a.preparedBy} · runs {a.command} as {a.preparedBy} · payload{' '}
          {a.payloadHash.slice(0, 12)}…
        </Typography>
        {needsCode && (
          <TextField
            autoFocus
            label="Code from your authenticator app (or a recovery code)"
            value={code}
            onChange={(e) => setCode(e.target.value)}
            slotProps={{ htmlInput: { 'data-testid': 'approval-code', autoComplete: 'one-time-code' } }}
          />
        )}
        {!approving && (
          <TextField
            autoFocus
            label="Reason"
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            slotProps={{ htmlInput: { 'data-testid': 'approval-reason', maxLength: 500 } }}
          />
        )}
        {error && (
          <Alert severity="error" data-testid="approval-error">
            {error}
          </Alert>
        )}
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>Cancel</Button>
        <Button
          variant="contained"
          color={approving ? 'primary' : 'error'}
          disabled={busy || (needsCode && !code.trim()) || (!approving && !reason.trim())}
          onClick={() => void submit()}
          data-testid="approval-submit"
        >
          {approving ? 'Approve and run' : 'Reject'}
        </Button>
      </DialogActions>
    </Dialog>
  );
}

/** What an approval waits for, in words. */
function needsText(a: ApprovalDto): string {
  const role = a.role ?? 'supervisor';
  return a.requirement === 'four_eyes'
    ? `${/^[aeiou]/.test(role) ? 'an' : 'a'} ${role} (four eyes)`
    : `${a.preparedBy}'s second factor`;
}

/**
 * The approvals queue: operations stopped by a policy, with what, how much, who prepared them and when they
 * expire. A supervisor approves another operator's operation (never their own); the preparer confirms a
 * second-factor one with their code, or withdraws it.
 */
export function ApprovalsPage() {
  const { info, money } = useAppInfo();
  const me = info?.operator;
  const [status, setStatus] = useState<ApprovalStatus | 'all'>('pending');
  // Another operator's action (a new pending item, a decision) arrives as ledger:changed, which refreshes the read.
  const { data, error } = useApiQuery('approvals:list', status === 'all' ? {} : { status }, {
    keepPrevious: true,
  });
  const [decision, setDecision] = useState<Decision | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const mayApprove = (a: ApprovalDto): boolean =>
    a.status === 'pending' &&
    (a.requirement === 'four_eyes'
      ? a.preparedBy !== me?.login && hasRole(me?.roles ?? [], (a.role ?? 'supervisor') as Role)
      : a.preparedBy === me?.login);
  const mayReject = (a: ApprovalDto): boolean =>
    a.status === 'pending' &&
    (a.preparedBy === me?.login ||
      (me?.roles ?? []).includes('admin') ||
      (a.requirement === 'four_eyes' && hasRole(me?.roles ?? [], (a.role ?? 'supervisor') as Role)));
  const rows = data?.rows ?? [];
  return (
    <Box
      sx={{ p: 2, display: 'flex', flexDirection: 'column', gap: 2, height: '100%', overflow: 'auto' }}
      data-testid="approvals-page"
    >
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 2 }}>
        <Typography variant="h6" sx={{ flex: 1 }}>
          Approvals
        </Typography>
        <TextField
          select
          size="small"
          label="Status"
          value={status}
          onChange={(e) => setStatus(e.target.value as ApprovalStatus | 'all')}
          sx={{ minWidth: 160 }}
          slotProps={{ htmlInput: { 'data-testid': 'approvals-status' } }}
        >
          {[...APPROVAL_STATUSES, 'all' as const].map((s) => (
            <MenuItem key={s} value={s}>
              {s}
            </MenuItem>
          ))}
        </TextField>
      </Box>
      {error && <Alert severity="error">{error}</Alert>}
      {done && (
        <Alert severity="success" onClose={() => setDone(null)} data-testid="approvals-done">
          {done}
        </Alert>
      )}
      <Table size="small" data-testid="approvals-table">
        <TableHead>
          <TableRow>
            <TableCell>#</TableCell>
            <TableCell>What</TableCell>
            <TableCell align="right">Amount</TableCell>
            <TableCell>Prepared by</TableCell>
            <TableCell>Needs</TableCell>
            <TableCell>Expires</TableCell>
            <TableCell>Status</TableCell>
            <TableCell />
          </TableRow>
        </TableHead>
        <TableBody>
          {rows.length === 0 && (
            <TableRow>
              <TableCell colSpan={8}>
                <Typography variant="body2" color="text.secondary" data-testid="approvals-empty">
                  Nothing is waiting for approval.
                </Typography>
              </TableCell>
            </TableRow>
          )}
          {rows.map((a) => (
            <TableRow key={a.id} data-testid={`approval-row-${a.id}`}>
              <TableCell>{a.id}</TableCell>
              <TableCell sx={{ maxWidth: 420 }}>
                <Typography variant="body2">{a.description}</Typography>
                <Typography variant="caption" color="text.secondary">
                  {a.operation}
                  {a.reason ? ` · ${a.reason}` : ''}
                </Typography>
              </TableCell>
              <TableCell align="right" sx={{ fontVariantNumeric: 'tabular-nums', whiteSpace: 'nowrap' }}>
                {a.amounts.length
                  ? a.amounts.map((x) => money(x.amountMinor, x.currency, true)).join(' + ')
                  : '—'}
              </TableCell>
              <TableCell>{a.preparedBy}</TableCell>
              <TableCell>{needsText(a)}</TableCell>
              <TableCell sx={{ whiteSpace: 'nowrap' }}>{formatTimestamp(a.expiresAt)}</TableCell>
              <TableCell>
                <Chip
                  size="small"
                  label={a.status}
                  color={a.status === 'pending' ? 'warning' : a.status === 'executed' ? 'success' : 'default'}
                />
              </TableCell>
              <TableCell sx={{ width: 120 }}>
                <Box sx={{ display: 'flex', flexDirection: 'column', alignItems: 'flex-start', gap: 0.5 }}>
                  {mayApprove(a) && (
                    <Button
                      size="small"
                      variant="contained"
                      onClick={() => setDecision({ approval: a, kind: 'approve' })}
                      data-testid={`approval-approve-${a.id}`}
                    >
                      Approve
                    </Button>
                  )}
                  {mayReject(a) && (
                    <Button
                      size="small"
                      color="error"
                      onClick={() => setDecision({ approval: a, kind: 'reject' })}
                      data-testid={`approval-reject-${a.id}`}
                    >
                      {a.preparedBy === me?.login ? 'Withdraw' : 'Reject'}
                    </Button>
                  )}
                </Box>
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
      <DecisionDialog
        key={decision ? `${decision.approval.id}-${decision.kind}` : 'none'}
        decision={decision}
        onClose={() => setDecision(null)}
        onDone={(message) => {
          setDecision(null);
          setDone(message);
        }}
      />
    </Box>
  );
}
