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
import Tooltip from '@mui/material/Tooltip';
import Typography from '@mui/material/Typography';
import { isSystemReasonCode } from '../../../../src-shared/system-reason-codes';
import { problemLines } from '../../components/problem-lines';
import { useApiMutation, useApiQuery } from '../../components/query';

/** Reason codes by domain: the list with retire/restore/delete, and a form to add the desk's own codes. */
export function CodesPanel({ canEdit }: { canEdit: boolean }) {
  const domains = useApiQuery('codes:domains', {});
  const [domainId, setDomainId] = useState(14);
  const codes = useApiQuery('codes:list', { domainId, includeRetired: true }, { keepPrevious: true });
  const addCode = useApiMutation('codes:add');
  const updateCode = useApiMutation('codes:update');
  const retireCode = useApiMutation('codes:retire');
  const deleteCode = useApiMutation('codes:delete');
  const [id, setId] = useState('');
  const [label, setLabel] = useState('');
  const [help, setHelp] = useState('');
  const [gl, setGl] = useState('');
  const [problems, setProblems] = useState<string[]>([]);
  const [editing, setEditing] = useState<number | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const domain = domains.data?.find((d) => d.id === domainId);

  const act = async (what: () => Promise<unknown>, message: string) => {
    setProblems([]);
    setDone(null);
    try {
      await what();
      // The lists reload by themselves: a successful change marks every read stale.
      setDone(message);
    } catch (err) {
      setProblems(problemLines(err));
    }
  };

  const clear = () => {
    setEditing(null);
    setId('');
    setLabel('');
    setHelp('');
    setGl('');
  };
  const add = () =>
    act(
      async () => {
        const fields = { domainId, id: Number(id), label, help, glId: gl.trim() === '' ? null : Number(gl) };
        await (editing === null ? addCode : updateCode).run(fields);
        clear();
      },
      `Code ${id} ${editing === null ? 'added' : 'changed'}.`,
    );

  return (
    <Box sx={{ display: 'flex', flexDirection: 'column', gap: 2 }} data-testid="codes-panel">
      <Box sx={{ display: 'flex', gap: 2, alignItems: 'center' }}>
        <TextField
          select
          size="small"
          label="Domain"
          value={domainId}
          onChange={(e) => setDomainId(Number(e.target.value))}
          sx={{ minWidth: 420 }}
          slotProps={{ htmlInput: { 'data-testid': 'codes-domain' } }}
        >
          {(domains.data ?? []).map((d) => (
            <MenuItem key={d.id} value={d.id}>
              {d.id} · {d.name}
            </MenuItem>
          ))}
        </TextField>
        {domain && (
          <Typography variant="body2" color="textSecondary">
            G/L ID{' '}
            {domain.glRule === 'required'
              ? 'required'
              : domain.glRule === 'forbidden'
                ? 'not allowed'
                : 'optional'}{' '}
            · your own codes take ids above 100,000
          </Typography>
        )}
      </Box>
      {canEdit && (
        <Box sx={{ display: 'flex', gap: 1, alignItems: 'flex-start', flexWrap: 'wrap' }}>
          <TextField
            size="small"
            label="Id"
            value={id}
            onChange={(e) => setId(e.target.value)}
            sx={{ width: 120 }}
            disabled={editing !== null}
            slotProps={{ htmlInput: { inputMode: 'numeric', 'data-testid': 'code-id' } }}
          />
          <TextField
            size="small"
            label="Label"
            value={label}
            onChange={(e) => setLabel(e.target.value)}
            sx={{ width: 280 }}
            slotProps={{ htmlInput: { 'data-testid': 'code-label' } }}
          />
          <TextField
            size="small"
            label="Help text"
            value={help}
            onChange={(e) => setHelp(e.target.value)}
            sx={{ width: 280 }}
          />
          <TextField
            size="small"
            label="G/L ID"
            value={gl}
            onChange={(e) => setGl(e.target.value)}
            sx={{ width: 100 }}
            disabled={domain?.glRule === 'forbidden'}
          />
          <Button
            variant="contained"
            onClick={() => void add()}
            disabled={!/^\d+$/.test(id) || label.trim() === ''}
            data-testid="code-add"
          >
            {editing === null ? 'Add code' : 'Save changes'}
          </Button>
          {editing !== null && <Button onClick={clear}>Cancel</Button>}
        </Box>
      )}
      {problems.length > 0 && (
        <Alert severity="error" data-testid="codes-problems">
          {problems.map((p) => (
            <div key={p}>{p}</div>
          ))}
        </Alert>
      )}
      {done && (
        <Alert severity="success" data-testid="codes-done">
          {done}
        </Alert>
      )}
      <Table size="small" data-testid="codes-table">
        <TableHead>
          <TableRow>
            <TableCell sx={{ width: 90 }}>Id</TableCell>
            <TableCell>Label</TableCell>
            <TableCell>Help</TableCell>
            <TableCell sx={{ width: 80 }}>G/L</TableCell>
            <TableCell sx={{ width: 150 }}>State</TableCell>
            {canEdit && <TableCell sx={{ width: 260 }} />}
          </TableRow>
        </TableHead>
        <TableBody>
          {(codes.data ?? []).map((c) => (
            <TableRow key={c.id} data-testid={`code-row-${c.id}`} sx={{ opacity: c.active ? 1 : 0.55 }}>
              <TableCell>{c.id}</TableCell>
              <TableCell>{c.label}</TableCell>
              <TableCell>{c.help}</TableCell>
              <TableCell>{c.glId ?? ''}</TableCell>
              <TableCell>
                <Chip size="small" label={c.active ? 'active' : 'retired'} variant="outlined" />
                {isSystemReasonCode(domainId, c.id) && (
                  <Chip size="small" label="system" variant="outlined" sx={{ ml: 0.5 }} />
                )}
              </TableCell>
              {canEdit && (
                <TableCell align="right">
                  <Button
                    size="small"
                    onClick={() => {
                      setEditing(c.id);
                      setId(String(c.id));
                      setLabel(c.label);
                      setHelp(c.help);
                      setGl(c.glId === null ? '' : String(c.glId));
                    }}
                  >
                    Edit
                  </Button>
                  <Tooltip
                    title={
                      isSystemReasonCode(domainId, c.id)
                        ? 'Paydesk assigns this code itself (the validator or a suspense move), so it cannot be retired'
                        : ''
                    }
                  >
                    {/* A disabled button fires no events; the span lets the tooltip explain why. */}
                    <span>
                      <Button
                        size="small"
                        disabled={c.active && isSystemReasonCode(domainId, c.id)}
                        data-testid={`code-retire-${c.id}`}
                        onClick={() =>
                          void act(
                            () => retireCode.run({ domainId, id: c.id, restore: !c.active }),
                            `Code ${c.id} ${c.active ? 'retired' : 'restored'}.`,
                          )
                        }
                      >
                        {c.active ? 'Retire' : 'Restore'}
                      </Button>
                    </span>
                  </Tooltip>
                  {c.id > 100_000 && (
                    <Button
                      size="small"
                      color="error"
                      onClick={() =>
                        void act(() => deleteCode.run({ domainId, id: c.id }), `Code ${c.id} deleted.`)
                      }
                    >
                      Delete
                    </Button>
                  )}
                </TableCell>
              )}
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </Box>
  );
}
