import { useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import MenuItem from '@mui/material/MenuItem';
import Switch from '@mui/material/Switch';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import TextField from '@mui/material/TextField';
import type { SettingDto, SettingValue } from '../../../../src-shared/dto/admin';
import { problemLines } from '../../components/problem-lines';
import { useApiMutation, useApiQuery } from '../../components/query';

/** The editor of one setting, by kind: a switch, a list, a number or text (saved on Enter or blur). */
function SettingControl({
  s,
  canEdit,
  onSave,
}: {
  s: SettingDto;
  canEdit: boolean;
  onSave: (value: SettingValue) => void;
}) {
  const [text, setText] = useState(String(s.value));
  const testId = `setting-${s.key}`;
  if (s.kind === 'boolean')
    return (
      <Switch
        size="small"
        checked={s.value === true}
        disabled={!canEdit}
        onChange={(e) => onSave(e.target.checked)}
        slotProps={{ input: { ...{ 'data-testid': testId } } }}
      />
    );
  if (s.kind === 'enum')
    return (
      <TextField
        select
        size="small"
        value={String(s.value)}
        disabled={!canEdit}
        onChange={(e) => onSave(e.target.value)}
        sx={{ minWidth: 180 }}
        slotProps={{ htmlInput: { 'data-testid': testId }, select: { displayEmpty: true } }}
      >
        {(s.options ?? []).map((o) => (
          <MenuItem key={o || 'empty'} value={o}>
            {o === '' ? '(operating system)' : o}
          </MenuItem>
        ))}
      </TextField>
    );
  const commit = () => {
    if (text === String(s.value)) return;
    const t = text.trim();
    const numeric =
      (s.kind === 'integer' && /^-?\d+$/.test(t)) || (s.kind === 'number' && /^-?\d+(\.\d+)?$/.test(t));
    onSave(numeric ? Number(t) : text);
  };
  return (
    <TextField
      size="small"
      value={text}
      disabled={!canEdit}
      onChange={(e) => setText(e.target.value)}
      onBlur={commit}
      onKeyDown={(e) => {
        if (e.key === 'Enter') commit();
      }}
      sx={{ width: 180 }}
      slotProps={{ htmlInput: { 'data-testid': testId } }}
    />
  );
}

/** Business settings with their defaults (DOMAIN.md §5); every change is checked by the service and audited. */
export function SettingsPanel({ canEdit }: { canEdit: boolean }) {
  const settings = useApiQuery('admin:settings', {});
  const setSetting = useApiMutation('admin:set-setting');
  const [problems, setProblems] = useState<string[]>([]);
  const save = async (key: string, value: SettingValue) => {
    setProblems([]);
    try {
      await setSetting.run({ key, value });
    } catch (err) {
      setProblems(problemLines(err));
      // A refused value puts the control back to the stored one.
      settings.refetch();
    }
  };
  return (
    <Box sx={{ display: 'flex', flexDirection: 'column', gap: 2 }} data-testid="settings-panel">
      {problems.length > 0 && (
        <Alert severity="error" data-testid="settings-problems">
          {problems.map((p) => (
            <div key={p}>{p}</div>
          ))}
        </Alert>
      )}
      <Table size="small">
        <TableHead>
          <TableRow>
            <TableCell>Setting</TableCell>
            <TableCell>What it does</TableCell>
            <TableCell>Value</TableCell>
            <TableCell>Default</TableCell>
            <TableCell />
          </TableRow>
        </TableHead>
        <TableBody>
          {(settings.data ?? []).map((s) => (
            <TableRow key={s.key}>
              <TableCell sx={{ fontFamily: 'monospace' }}>{s.key}</TableCell>
              <TableCell>{s.description}</TableCell>
              <TableCell>
                <SettingControl
                  key={`${s.key}=${String(s.value)}`}
                  s={s}
                  canEdit={canEdit}
                  onSave={(v) => void save(s.key, v)}
                />
              </TableCell>
              <TableCell>{JSON.stringify(s.defaultValue)}</TableCell>
              <TableCell>
                {canEdit && !s.isDefault && (
                  <Button size="small" onClick={() => void save(s.key, s.defaultValue)}>
                    Reset
                  </Button>
                )}
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </Box>
  );
}
