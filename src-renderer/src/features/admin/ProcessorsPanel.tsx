import { useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Checkbox from '@mui/material/Checkbox';
import Chip from '@mui/material/Chip';
import FormControlLabel from '@mui/material/FormControlLabel';
import IconButton from '@mui/material/IconButton';
import Paper from '@mui/material/Paper';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import DeleteOutlineIcon from '@mui/icons-material/DeleteOutlined';
import type { ProcessorDto, ProcessorTestDto } from '../../../../src-shared/dto/processors';
import { Controller, useFieldArray, type FieldPath, type UseFormReturn } from 'react-hook-form';
import { z } from 'zod';
import {
  applyServerProblems,
  countText,
  fieldProps,
  FormDialog,
  inputShape,
  useZodForm,
} from '../../components/FormDialog';
import { useApiMutation, useApiQuery } from '../../components/query';
import { problemLines } from '../../components/problem-lines';

const NUMBERS = [
  ['onlineTimeoutMs', 'Online timeout (ms)'],
  ['batchTimeoutMs', 'Batch timeout (ms)'],
  ['connectRetries', 'Connect retries'],
  ['heartbeatSec', 'Heartbeat (s)'],
  ['channelId', 'Channel id'],
] as const;

const shape = inputShape('processors:save');
const merchantShape = shape.merchants.valueType.shape;

/** The processor form: the command's own rules, read from the text typed (a number left empty: the default). */
const processorSchema = z.object({
  name: shape.name,
  url: shape.url,
  merchants: z
    .array(
      z.object({
        currency: z.string().trim().pipe(shape.merchants.keyType),
        merchant: merchantShape.merchant,
        mid: z.string().trim().pipe(merchantShape.mid),
      }),
    )
    .min(1)
    .refine(
      (lines) => new Set(lines.map((l) => l.currency)).size === lines.length,
      'One merchant account per currency',
    ),
  onlineTimeoutMs: countText(shape.onlineTimeoutMs.unwrap()),
  batchTimeoutMs: countText(shape.batchTimeoutMs.unwrap()),
  connectRetries: countText(shape.connectRetries.unwrap()),
  heartbeatSec: countText(shape.heartbeatSec.unwrap()),
  channelId: countText(shape.channelId.unwrap()),
  // Empty keeps the secret that is set; it is never shown back.
  secret: z
    .string()
    .transform((t) => (t === '' ? undefined : t))
    .pipe(shape.secret),
  isDefault: z.boolean(),
});

type ProcessorForm = z.input<typeof processorSchema>;

/** A field's props when its name may be nested (a merchant line's field): value binding, error and message. */
function lineFieldProps(
  form: UseFormReturn<ProcessorForm, unknown, unknown>,
  name: FieldPath<ProcessorForm>,
) {
  const problem = form.getFieldState(name, form.formState).error?.message;
  return {
    ...form.register(name),
    error: problem !== undefined,
    ...(problem !== undefined ? { helperText: problem } : {}),
  };
}

/**
 * Adds or edits a processor connection. The secret is write-only: the dialog says whether one is set and an
 * empty box keeps it; it is never shown back.
 */
function ProcessorDialog({
  initial,
  onClose,
  onSaved,
}: {
  initial: ProcessorDto | null;
  onClose: () => void;
  onSaved: () => void;
}) {
  const form = useZodForm(processorSchema, {
    name: initial?.name ?? '',
    url: initial?.url ?? 'https://',
    merchants: initial
      ? Object.entries(initial.merchants).map(([currency, m]) => ({ currency, ...m }))
      : [{ currency: 'USD', merchant: '', mid: '' }],
    ...(Object.fromEntries(NUMBERS.map(([k]) => [k, initial ? String(initial[k]) : ''])) as Record<
      (typeof NUMBERS)[number][0],
      string
    >),
    secret: '',
    isDefault: initial?.isDefault ?? false,
  });
  const lines = useFieldArray({ control: form.control, name: 'merchants' });
  const saveProcessor = useApiMutation('processors:save');
  const [problems, setProblems] = useState<string[]>([]);
  const save = form.handleSubmit(async (v) => {
    setProblems([]);
    try {
      await saveProcessor.run({
        name: v.name,
        url: v.url,
        merchants: Object.fromEntries(
          v.merchants.map((m) => [m.currency, { merchant: m.merchant, mid: m.mid }]),
        ),
        ...Object.fromEntries(NUMBERS.filter(([k]) => v[k] !== null).map(([k]) => [k, v[k]])),
        ...(v.secret !== undefined ? { secret: v.secret } : {}),
        isDefault: v.isDefault,
      });
      onSaved();
    } catch (err) {
      const fields = ['name', 'url', 'secret', ...NUMBERS.map(([k]) => k)] as const;
      applyServerProblems<ProcessorForm>(form, err, fields);
      // Every problem is also listed, merchant lines' included (the service names them by currency).
      setProblems(problemLines(err));
    }
  });
  const merchantsProblem =
    form.formState.errors.merchants?.root?.message ?? form.formState.errors.merchants?.message;
  return (
    <FormDialog
      title={initial ? `Processor ${initial.name}` : 'New processor'}
      testId="processor-dialog"
      partsTestId="processor"
      maxWidth="md"
      onClose={onClose}
      onSubmit={save}
      busy={saveProcessor.busy}
    >
      <Box sx={{ display: 'flex', gap: 1, flexWrap: 'wrap' }}>
        <TextField
          size="small"
          label="Name"
          {...fieldProps<ProcessorForm>(form, 'name')}
          disabled={initial !== null}
          sx={{ width: 180 }}
          slotProps={{ htmlInput: { 'data-testid': 'processor-name' } }}
        />
        <TextField
          size="small"
          label="URL"
          {...fieldProps<ProcessorForm>(form, 'url')}
          sx={{ flex: 1, minWidth: 320 }}
          slotProps={{ htmlInput: { 'data-testid': 'processor-url' } }}
        />
      </Box>
      <Box sx={{ display: 'flex', gap: 1, flexWrap: 'wrap' }}>
        {NUMBERS.map(([k, label]) => (
          <TextField
            key={k}
            size="small"
            label={label}
            placeholder="default"
            {...fieldProps<ProcessorForm>(form, k)}
            sx={{ width: 160 }}
            slotProps={{ htmlInput: { inputMode: 'numeric', 'data-testid': `processor-${k}` } }}
          />
        ))}
      </Box>
      <Box>
        <Typography variant="subtitle2" sx={{ mb: 1 }}>
          Merchant accounts (one per currency)
        </Typography>
        {lines.fields.map((line, i) => (
          <Box key={line.id} sx={{ display: 'flex', gap: 1, mb: 1, alignItems: 'flex-start' }}>
            <TextField
              size="small"
              label="Currency"
              {...lineFieldProps(form, `merchants.${i}.currency`)}
              onChange={(e) => {
                e.target.value = e.target.value.toUpperCase();
                void form.register(`merchants.${i}.currency`).onChange(e);
              }}
              sx={{ width: 110 }}
              slotProps={{ htmlInput: { maxLength: 3, 'data-testid': `processor-currency-${i}` } }}
            />
            <TextField
              size="small"
              label="Merchant"
              {...lineFieldProps(form, `merchants.${i}.merchant`)}
              sx={{ width: 200 }}
              slotProps={{ htmlInput: { 'data-testid': `processor-merchant-${i}` } }}
            />
            <TextField
              size="small"
              label="Merchant account (MID)"
              {...lineFieldProps(form, `merchants.${i}.mid`)}
              sx={{ width: 200 }}
              slotProps={{ htmlInput: { inputMode: 'numeric', 'data-testid': `processor-mid-${i}` } }}
            />
            <IconButton
              size="small"
              sx={{ mt: 0.5 }}
              aria-label={`Remove merchant line ${i + 1}`}
              disabled={lines.fields.length === 1}
              onClick={() => lines.remove(i)}
            >
              <DeleteOutlineIcon fontSize="small" />
            </IconButton>
          </Box>
        ))}
        {merchantsProblem && (
          <Typography variant="caption" color="error" component="div" sx={{ mb: 1 }}>
            {merchantsProblem}
          </Typography>
        )}
        <Button
          size="small"
          onClick={() => lines.append({ currency: '', merchant: '', mid: '' })}
          data-testid="processor-add-currency"
        >
          Add currency
        </Button>
      </Box>
      <Box sx={{ display: 'flex', gap: 2, alignItems: 'center', flexWrap: 'wrap' }}>
        <TextField
          size="small"
          type="password"
          autoComplete="new-password"
          label={initial?.secretHint ? 'New secret (empty keeps the set one)' : 'Secret'}
          {...fieldProps<ProcessorForm>(form, 'secret')}
          sx={{ width: 320 }}
          slotProps={{ htmlInput: { 'data-testid': 'processor-secret' } }}
        />
        <Chip
          size="small"
          variant="outlined"
          label={`secret ${initial?.secretHint ? 'set' : 'not set'}`}
          data-testid="processor-secret-state"
        />
        <Controller
          control={form.control}
          name="isDefault"
          render={({ field }) => (
            <FormControlLabel
              control={
                <Checkbox
                  checked={field.value}
                  onChange={(e) => field.onChange(e.target.checked)}
                  onBlur={field.onBlur}
                />
              }
              label="Default processor"
            />
          )}
        />
      </Box>
      {problems.length > 0 && (
        <Alert severity="error" data-testid="processor-problems">
          {problems.map((p) => (
            <div key={p}>{p}</div>
          ))}
        </Alert>
      )}
    </FormDialog>
  );
}

const HEALTH_COLOR = { up: 'success', degraded: 'warning', down: 'error', unknown: 'default' } as const;

/** Admin → processors: every connection with its settings and health, edit and test; secrets only "set". */
export function ProcessorsPanel({ canEdit }: { canEdit: boolean }) {
  const list = useApiQuery('processors:list', {});
  const [open, setOpen] = useState<{ p: ProcessorDto | null } | null>(null);
  const [tests, setTests] = useState<Record<string, ProcessorTestDto | string>>({});
  const [busy, setBusy] = useState<string | null>(null);
  const testConnection = useApiMutation('processors:test');
  const test = async (name: string) => {
    setBusy(name);
    try {
      const t = await testConnection.run({ name });
      setTests((all) => ({ ...all, [name]: t }));
    } catch (err) {
      setTests((all) => ({ ...all, [name]: problemLines(err).join('; ') }));
      // A failed test still moves the health shown in the list.
      list.refetch();
    } finally {
      setBusy(null);
    }
  };
  return (
    <Paper variant="outlined" data-testid="processors-panel">
      <Box sx={{ px: 2, py: 1.5, display: 'flex', alignItems: 'center' }}>
        <Typography variant="subtitle2" sx={{ flex: 1 }}>
          Payment processors
        </Typography>
        {canEdit && (
          <Button
            size="small"
            variant="outlined"
            onClick={() => setOpen({ p: null })}
            data-testid="processor-add"
          >
            Add processor…
          </Button>
        )}
      </Box>
      {list.error && (
        <Alert severity="error" sx={{ mx: 2, mb: 1 }}>
          {list.error}
        </Alert>
      )}
      <Box sx={{ overflowX: 'auto' }}>
        <Table size="small">
          <TableHead>
            <TableRow>
              <TableCell>Name</TableCell>
              <TableCell>URL</TableCell>
              <TableCell>Merchants</TableCell>
              <TableCell>Timeouts (online / batch)</TableCell>
              <TableCell>Secret</TableCell>
              <TableCell>Health</TableCell>
              <TableCell align="right" />
            </TableRow>
          </TableHead>
          <TableBody>
            {list.data?.length === 0 && (
              <TableRow>
                <TableCell colSpan={7} sx={{ color: 'text.secondary' }}>
                  No payment processor is set up yet.
                </TableCell>
              </TableRow>
            )}
            {(list.data ?? []).map((p) => {
              const t = tests[p.name];
              return (
                <TableRow key={p.id} data-testid={`processor-row-${p.name}`}>
                  <TableCell sx={{ whiteSpace: 'nowrap' }}>
                    {p.name}
                    {p.isDefault && (
                      <Chip size="small" label="default" color="primary" variant="outlined" sx={{ ml: 1 }} />
                    )}
                  </TableCell>
                  <TableCell sx={{ wordBreak: 'break-all' }}>{p.url}</TableCell>
                  <TableCell>
                    {Object.entries(p.merchants).map(([c, m]) => (
                      <div key={c}>
                        {c} {m.merchant}:{m.mid}
                      </div>
                    ))}
                  </TableCell>
                  <TableCell>
                    {p.onlineTimeoutMs} / {p.batchTimeoutMs} ms
                    <br />
                    {p.connectRetries} retries
                  </TableCell>
                  <TableCell data-testid={`processor-secret-${p.name}`}>
                    {p.secretHint ? 'set' : 'not set'}
                  </TableCell>
                  <TableCell>
                    <Chip
                      size="small"
                      variant="outlined"
                      color={HEALTH_COLOR[p.health]}
                      label={p.health}
                      data-testid={`processor-state-${p.name}`}
                    />
                    {t !== undefined && (
                      <Typography
                        variant="caption"
                        sx={{ display: 'block' }}
                        color={typeof t !== 'string' && t.ok ? 'text.secondary' : 'error'}
                        data-testid={`processor-test-result-${p.name}`}
                      >
                        {typeof t === 'string' ? t : t.message}
                      </Typography>
                    )}
                  </TableCell>
                  <TableCell align="right">
                    <Button
                      size="small"
                      disabled={busy !== null}
                      onClick={() => void test(p.name)}
                      data-testid={`processor-test-${p.name}`}
                    >
                      Test connection
                    </Button>
                    {canEdit && (
                      <Button
                        size="small"
                        onClick={() => setOpen({ p })}
                        data-testid={`processor-edit-${p.name}`}
                      >
                        Edit…
                      </Button>
                    )}
                  </TableCell>
                </TableRow>
              );
            })}
          </TableBody>
        </Table>
      </Box>
      {open && (
        <ProcessorDialog initial={open.p} onClose={() => setOpen(null)} onSaved={() => setOpen(null)} />
      )}
    </Paper>
  );
}
