import { useState, type ReactNode } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import IconButton from '@mui/material/IconButton';
import MenuItem from '@mui/material/MenuItem';
import Paper from '@mui/material/Paper';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import TextField from '@mui/material/TextField';
import Tooltip from '@mui/material/Tooltip';
import Typography from '@mui/material/Typography';
import DeleteOutlineIcon from '@mui/icons-material/DeleteOutlined';
import { ApiCallError, errorMessage } from '../api/client';

type Scalar = string | number | null;

/**
 * How one field is typed in the dialog and sent: `text` as typed, `int` a whole number (anything else is sent
 * as NaN so the service's schema names the field), `optional-*` empty means null, `select` one of `options`.
 */
export type CodeFieldKind = 'text' | 'optional-text' | 'int' | 'optional-int' | 'select';

/** One field of the add/edit dialog. */
export type CodeField<T> = {
  key: keyof T & string;
  label: string;
  kind?: CodeFieldKind;
  options?: readonly { value: string; label: string }[];
  width?: number;
  maxLength?: number;
  /** Typed in upper case (codes that the service keeps upper case). */
  upper?: boolean;
};

/** One column of the table. */
export type CodeColumn<T> = { label: string; value: (row: T) => ReactNode; width?: number };

/** Props of a code list: the rows, how to show and edit them, and the commands that save and delete. */
export type CodeListSectionProps<T> = {
  title: string;
  /** Prefix of every test id: `${prefix}-row-KEY`, `${prefix}-add`, `${prefix}-dialog`, `${prefix}-FIELD`... */
  prefix: string;
  rows: readonly T[] | null;
  /** The field that identifies a row; it cannot change once saved. */
  keyField: keyof T & string;
  columns: readonly CodeColumn<T>[];
  fields: readonly CodeField<T>[];
  /** The starting values of a new row. */
  blank: T;
  canEdit: boolean;
  save: (row: T) => Promise<unknown>;
  remove?: (row: T) => Promise<unknown>;
  /** Why a row cannot be deleted now (shown on the disabled delete button), or null. */
  deleteBlocked?: (row: T) => string | null;
  /** Called after a save or delete (rows read through useApiQuery reload by themselves). */
  onChanged?: () => void | Promise<void>;
  noun: string;
  help?: ReactNode;
};

type Text = Record<string, string>;

function toText<T>(row: T, fields: readonly CodeField<T>[]): Text {
  return Object.fromEntries(
    fields.map((f) => {
      const v = row[f.key] as Scalar;
      return [f.key, v === null || v === undefined ? '' : String(v)];
    }),
  );
}

function fromText<T>(base: T, t: Text, fields: readonly CodeField<T>[]): T {
  const out: Record<string, Scalar> = { ...(base as Record<string, Scalar>) };
  for (const f of fields) {
    const v = t[f.key] ?? '';
    const kind = f.kind ?? 'text';
    if (kind === 'int') out[f.key] = /^\d+$/.test(v.trim()) ? Number(v.trim()) : Number.NaN;
    else if (kind === 'optional-int')
      out[f.key] = v.trim() === '' ? null : /^\d+$/.test(v.trim()) ? Number(v.trim()) : Number.NaN;
    else if (kind === 'optional-text') out[f.key] = v.trim() === '' ? null : v.trim();
    else out[f.key] = v.trim();
  }
  return out as T;
}

/** Every problem of a failed save as lines ("field: message"). */
function problemLines(err: unknown): string[] {
  if (err instanceof ApiCallError && err.error.code === 'validation' && err.error.issues?.length)
    return err.error.issues.map((i) => `${i.path}: ${i.message}`);
  return [errorMessage(err)];
}

function CodeDialog<T>({
  props,
  initial,
  isNew,
  onClose,
}: {
  props: CodeListSectionProps<T>;
  initial: T;
  isNew: boolean;
  onClose: () => void;
}) {
  const { prefix, fields, keyField, noun } = props;
  const [t, setT] = useState<Text>(() => toText(initial, fields));
  const [problems, setProblems] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const run = async (what: () => Promise<unknown>) => {
    setProblems([]);
    setBusy(true);
    try {
      await what();
      onClose();
      await props.onChanged?.();
    } catch (err) {
      setProblems(problemLines(err));
    } finally {
      setBusy(false);
    }
  };
  const blocked = !isNew && props.deleteBlocked ? props.deleteBlocked(initial) : null;
  const key = String(initial[keyField]);
  return (
    <Dialog open onClose={onClose} maxWidth="sm" fullWidth data-testid={`${prefix}-dialog`}>
      <DialogTitle>{isNew ? `New ${noun}` : `${noun[0]!.toUpperCase()}${noun.slice(1)} ${key}`}</DialogTitle>
      <DialogContent sx={{ display: 'flex', flexDirection: 'column', gap: 2, pt: '8px !important' }}>
        <Box
          component="form"
          id={`${prefix}-form`}
          onSubmit={(e) => {
            e.preventDefault();
            void run(() => props.save(fromText(initial, t, fields)));
          }}
          sx={{ display: 'flex', gap: 1, flexWrap: 'wrap' }}
        >
          {fields.map((f, i) => (
            <TextField
              key={f.key}
              autoFocus={i === (isNew ? 0 : 1)}
              select={f.kind === 'select'}
              size="small"
              label={f.label}
              value={t[f.key] ?? ''}
              onChange={(e) =>
                setT({ ...t, [f.key]: f.upper ? e.target.value.toUpperCase() : e.target.value })
              }
              sx={{ width: f.width ?? 200 }}
              disabled={f.key === keyField && !isNew}
              slotProps={{
                htmlInput: {
                  'data-testid': `${prefix}-${f.key}`,
                  ...(f.maxLength ? { maxLength: f.maxLength } : {}),
                  ...(f.kind === 'int' || f.kind === 'optional-int' ? { inputMode: 'numeric' } : {}),
                },
              }}
            >
              {(f.options ?? []).map((o) => (
                <MenuItem key={o.value} value={o.value}>
                  {o.label}
                </MenuItem>
              ))}
            </TextField>
          ))}
          <button type="submit" hidden />
        </Box>
        {problems.length > 0 && (
          <Alert severity="error" data-testid={`${prefix}-problems`}>
            {problems.map((p) => (
              <div key={p}>{p}</div>
            ))}
          </Alert>
        )}
      </DialogContent>
      <DialogActions>
        {!isNew && props.remove && (
          <Tooltip title={blocked ?? ''}>
            <span style={{ marginRight: 'auto' }}>
              <Button
                color="error"
                disabled={busy || blocked !== null}
                onClick={() => void run(() => props.remove!(initial))}
                data-testid={`${prefix}-delete`}
              >
                Delete
              </Button>
            </span>
          </Tooltip>
        )}
        <Button onClick={onClose}>Cancel</Button>
        <Button
          variant="contained"
          type="submit"
          form={`${prefix}-form`}
          disabled={busy}
          data-testid={`${prefix}-save`}
        >
          Save
        </Button>
      </DialogActions>
    </Dialog>
  );
}

/**
 * A list of admin codes (terms, mandate codes, rejection codes...) as one table with an add/edit dialog and a
 * delete button, all driven by a column and field description, so each list is a declaration, not a screen.
 * The services check every rule; their field messages show in the dialog.
 */
export function CodeListSection<T>(props: CodeListSectionProps<T>) {
  const { title, prefix, rows, keyField, columns, canEdit, remove, deleteBlocked } = props;
  const [open, setOpen] = useState<{ row: T; isNew: boolean } | null>(null);
  const [problems, setProblems] = useState<string[]>([]);
  const del = async (row: T) => {
    setProblems([]);
    try {
      await remove!(row);
      await props.onChanged?.();
    } catch (err) {
      setProblems(problemLines(err));
    }
  };
  return (
    <Paper
      variant="outlined"
      sx={{ p: 2, display: 'flex', flexDirection: 'column', gap: 1.5, minWidth: 0 }}
      data-testid={`${prefix}-list`}
    >
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 1 }}>
        <Typography variant="subtitle1" sx={{ fontWeight: 600, flex: 1 }}>
          {title}
        </Typography>
        {canEdit && (
          <Button
            size="small"
            onClick={() => setOpen({ row: props.blank, isNew: true })}
            data-testid={`${prefix}-add`}
          >
            Add {props.noun}
          </Button>
        )}
      </Box>
      {props.help && (
        <Typography variant="body2" color="text.secondary">
          {props.help}
        </Typography>
      )}
      {problems.length > 0 && (
        <Alert severity="error" onClose={() => setProblems([])} data-testid={`${prefix}-list-problems`}>
          {problems.map((p) => (
            <div key={p}>{p}</div>
          ))}
        </Alert>
      )}
      <Box sx={{ overflowX: 'auto' }}>
        <Table size="small">
          <TableHead>
            <TableRow>
              {columns.map((c) => (
                <TableCell key={c.label} sx={c.width ? { width: c.width } : undefined}>
                  {c.label}
                </TableCell>
              ))}
              {canEdit && remove && <TableCell sx={{ width: 48 }} />}
            </TableRow>
          </TableHead>
          <TableBody>
            {rows?.length === 0 && (
              <TableRow>
                <TableCell colSpan={columns.length + 1} sx={{ color: 'text.secondary' }}>
                  None yet.
                </TableCell>
              </TableRow>
            )}
            {(rows ?? []).map((r) => {
              const key = String(r[keyField]);
              const blocked = deleteBlocked?.(r) ?? null;
              return (
                <TableRow
                  key={key}
                  hover={canEdit}
                  onClick={canEdit ? () => setOpen({ row: r, isNew: false }) : undefined}
                  sx={{ cursor: canEdit ? 'pointer' : 'default' }}
                  data-testid={`${prefix}-row-${key}`}
                >
                  {columns.map((c) => (
                    <TableCell key={c.label}>{c.value(r)}</TableCell>
                  ))}
                  {canEdit && remove && (
                    <TableCell padding="none" align="right" onClick={(e) => e.stopPropagation()}>
                      <Tooltip title={blocked ?? `Delete ${key}`}>
                        <span>
                          <IconButton
                            size="small"
                            disabled={blocked !== null}
                            aria-label={`Delete ${props.noun} ${key}`}
                            data-testid={`${prefix}-delete-${key}`}
                            onClick={() => void del(r)}
                          >
                            <DeleteOutlineIcon fontSize="small" />
                          </IconButton>
                        </span>
                      </Tooltip>
                    </TableCell>
                  )}
                </TableRow>
              );
            })}
          </TableBody>
        </Table>
      </Box>
      {open && (
        <CodeDialog props={props} initial={open.row} isNew={open.isNew} onClose={() => setOpen(null)} />
      )}
    </Paper>
  );
}
