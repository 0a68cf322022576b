import { useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import MenuItem from '@mui/material/MenuItem';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { ROLES, type Role } from '../../../../src-shared/api/roles';
import {
  POLICY_OPERATIONS,
  REQUIREMENTS,
  type PolicyDto,
  type PolicyOperation,
  type Requirement,
} from '../../../../src-shared/dto/approvals';
import { formatTimestamp } from '../../components/format';
import { problemLines } from '../../components/problem-lines';
import { useApiMutation, useApiQuery } from '../../components/query';

const REQUIREMENT_LABELS: Readonly<Record<Requirement, string>> = {
  none: 'None',
  second_factor: 'Second factor',
  four_eyes: 'Four eyes',
};

/** One editable policy row: threshold, requirement and approver role, saved with one button. */
function PolicyRow({
  p,
  canEdit,
  onSaved,
  onProblems,
}: {
  p: PolicyDto;
  canEdit: boolean;
  onSaved: (message: string) => void;
  onProblems: (lines: string[]) => void;
}) {
  const [above, setAbove] = useState(p.above);
  const [requirement, setRequirement] = useState<Requirement>(p.requirement);
  const [role, setRole] = useState<Role>((p.role as Role | null) ?? 'supervisor');
  const hasAmount = POLICY_OPERATIONS[p.operation].amount;
  const dirty =
    above !== p.above || requirement !== p.requirement || (requirement === 'four_eyes' && role !== p.role);
  const id = `${p.operation}-${p.currency}`.replace(/[^a-z0-9*-]/gi, '-');
  const savePolicy = useApiMutation('policies:save');
  const save = async () => {
    onProblems([]);
    try {
      await savePolicy.run({
        operation: p.operation,
        currency: p.currency,
        above: hasAmount ? above.trim() : '0',
        requirement,
        ...(requirement === 'four_eyes' ? { role } : {}),
      });
      onSaved(`Saved the policy of ${p.label}`);
    } catch (err) {
      onProblems(problemLines(err));
    }
  };
  return (
    <TableRow data-testid={`policy-${id}`}>
      <TableCell sx={{ maxWidth: 340 }} title={POLICY_OPERATIONS[p.operation].commands.join(', ')}>
        <Typography variant="body2">{p.label}</Typography>
        <Typography variant="caption" color="text.secondary">
          {p.operation}
        </Typography>
      </TableCell>
      <TableCell>{p.currency === '*' ? 'any' : p.currency}</TableCell>
      <TableCell>
        {hasAmount ? (
          <TextField
            size="small"
            value={above}
            disabled={!canEdit}
            onChange={(e) => setAbove(e.target.value)}
            sx={{ width: 130 }}
            slotProps={{ htmlInput: { 'data-testid': `policy-above-${id}`, inputMode: 'decimal' } }}
          />
        ) : (
          <Typography variant="body2" color="text.secondary">
            always
          </Typography>
        )}
      </TableCell>
      <TableCell>
        <TextField
          select
          size="small"
          value={requirement}
          disabled={!canEdit}
          onChange={(e) => setRequirement(e.target.value as Requirement)}
          sx={{ minWidth: 150 }}
          slotProps={{ htmlInput: { 'data-testid': `policy-requirement-${id}` } }}
        >
          {REQUIREMENTS.map((r) => (
            <MenuItem key={r} value={r}>
              {REQUIREMENT_LABELS[r]}
            </MenuItem>
          ))}
        </TextField>
      </TableCell>
      <TableCell>
        {requirement === 'four_eyes' && (
          <TextField
            select
            size="small"
            value={role}
            disabled={!canEdit}
            onChange={(e) => setRole(e.target.value as Role)}
            sx={{ minWidth: 130 }}
            slotProps={{ htmlInput: { 'data-testid': `policy-role-${id}` } }}
          >
            {ROLES.map((r) => (
              <MenuItem key={r} value={r}>
                {r}
              </MenuItem>
            ))}
          </TextField>
        )}
      </TableCell>
      <TableCell>
        {p.source === 'saved' ? (
          <Typography variant="caption">
            {p.updatedBy} {p.updatedAt ? formatTimestamp(p.updatedAt) : ''}
          </Typography>
        ) : (
          <Chip size="small" variant="outlined" label="default" />
        )}
      </TableCell>
      <TableCell>
        {canEdit && (
          <Button
            size="small"
            disabled={!dirty}
            onClick={() => void save()}
            data-testid={`policy-save-${id}`}
          >
            Save
          </Button>
        )}
      </TableCell>
    </TableRow>
  );
}

/**
 * The approval policy table: for each operation, above which amount it needs the acting operator's second
 * factor, or a second operator with a role (four eyes). Saving is audited and may itself need approval.
 */
export function PoliciesPanel({ canEdit }: { canEdit: boolean }) {
  const { data, error } = useApiQuery('policies:list', {});
  const savePolicy = useApiMutation('policies:save');
  const [problems, setProblems] = useState<string[]>([]);
  const [done, setDone] = useState<string | null>(null);
  const [currency, setCurrency] = useState('');
  const [operation, setOperation] = useState<PolicyOperation>('pay:one-off');
  const addCurrency = async () => {
    setProblems([]);
    const base = data?.find((p) => p.operation === operation && p.currency === '*');
    try {
      await savePolicy.run({
        operation,
        currency: currency.trim().toUpperCase(),
        above: base?.above ?? '0',
        requirement: base?.requirement ?? 'none',
        ...(base?.role ? { role: base.role as Role } : {}),
      });
      setCurrency('');
      setDone(`Added a ${currency.trim().toUpperCase()} rule for ${operation}`);
    } catch (err) {
      setProblems(problemLines(err));
    }
  };
  return (
    <Box
      sx={{ display: 'flex', flexDirection: 'column', gap: 2, maxWidth: 1200 }}
      data-testid="policies-panel"
    >
      <Typography variant="body2">
        What each operation needs before it runs. <b>Second factor</b>: the operator who runs it confirms with
        their authenticator code. <b>Four eyes</b>: it waits in Approvals until a different operator holding
        the role approves it; nobody approves their own operation. Amounts are in the currency's units and
        apply above the threshold (0 = always); a currency row overrides the "any" row.
      </Typography>
      {error && <Alert severity="error">{error}</Alert>}
      {problems.length > 0 && (
        <Alert
          severity={problems.some((p) => p.startsWith('Sent for approval')) ? 'info' : 'error'}
          data-testid="policies-problems"
        >
          {problems.map((p) => (
            <div key={p}>{p}</div>
          ))}
        </Alert>
      )}
      {done && (
        <Alert severity="success" onClose={() => setDone(null)} data-testid="policies-done">
          {done}
        </Alert>
      )}
      <Table size="small" data-testid="policies-table">
        <TableHead>
          <TableRow>
            <TableCell>Operation</TableCell>
            <TableCell>Currency</TableCell>
            <TableCell>Above</TableCell>
            <TableCell>Requirement</TableCell>
            <TableCell>Approver role</TableCell>
            <TableCell>Saved</TableCell>
            <TableCell />
          </TableRow>
        </TableHead>
        <TableBody>
          {(data ?? []).map((p) => (
            <PolicyRow
              key={`${p.operation}/${p.currency}/${p.updatedAt ?? ''}`}
              p={p}
              canEdit={canEdit}
              onProblems={setProblems}
              onSaved={setDone}
            />
          ))}
        </TableBody>
      </Table>
      {canEdit && (
        <Box sx={{ display: 'flex', gap: 1, alignItems: 'center' }}>
          <TextField
            select
            size="small"
            label="Operation"
            value={operation}
            onChange={(e) => setOperation(e.target.value as PolicyOperation)}
            sx={{ minWidth: 260 }}
          >
            {(Object.keys(POLICY_OPERATIONS) as PolicyOperation[])
              .filter((o) => POLICY_OPERATIONS[o].amount)
              .map((o) => (
                <MenuItem key={o} value={o}>
                  {POLICY_OPERATIONS[o].label}
                </MenuItem>
              ))}
          </TextField>
          <TextField
            size="small"
            label="Currency"
            value={currency}
            onChange={(e) => setCurrency(e.target.value)}
            sx={{ width: 110 }}
            slotProps={{ htmlInput: { maxLength: 3 } }}
          />
          <Button disabled={!/^[A-Za-z]{3}$/.test(currency.trim())} onClick={() => void addCurrency()}>
            Add a currency rule
          </Button>
        </Box>
      )}
    </Box>
  );
}
