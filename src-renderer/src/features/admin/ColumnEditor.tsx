import { useMemo, useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Checkbox from '@mui/material/Checkbox';
import Chip from '@mui/material/Chip';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import IconButton from '@mui/material/IconButton';
import MenuItem from '@mui/material/MenuItem';
import Paper from '@mui/material/Paper';
import TextField from '@mui/material/TextField';
import ToggleButton from '@mui/material/ToggleButton';
import ToggleButtonGroup from '@mui/material/ToggleButtonGroup';
import Tooltip from '@mui/material/Tooltip';
import Typography from '@mui/material/Typography';
import { useTheme } from '@mui/material/styles';
import DeleteOutlineIcon from '@mui/icons-material/DeleteOutlined';
import DragIndicatorIcon from '@mui/icons-material/DragIndicator';
import {
  closestCenter,
  DndContext,
  KeyboardSensor,
  PointerSensor,
  useSensor,
  useSensors,
  type DragEndEvent,
} from '@dnd-kit/core';
import {
  arrayMove,
  SortableContext,
  sortableKeyboardCoordinates,
  useSortable,
  verticalListSortingStrategy,
} from '@dnd-kit/sortable';
import { CSS } from '@dnd-kit/utilities';
import { AllCommunityModule, ModuleRegistry, type ColDef } from 'ag-grid-community';
import { AgGridReact } from 'ag-grid-react';
import {
  BATCH_TYPE_FIELDS,
  COLUMN_PURPOSES,
  CUSTOM_FIELD_TYPES,
  FORMATS_BY_TYPE,
  STANDARD_FIELD_TYPES,
  customKeyOf,
  type ColumnConfig,
  type CustomFieldType,
  type StandardField,
} from '../../../../src-shared/columns';
import type { ColumnSetDto, CustomFieldDto } from '../../../../src-shared/dto/admin';
import type { BatchTypeDto } from '../../../../src-shared/dto/batches';
import { createGridTheme } from '../../components/grid-theme';
import { problemLines } from '../../components/problem-lines';
import { useApiMutation, useApiQuery } from '../../components/query';

ModuleRegistry.registerModules([AllCommunityModule]);

const STANDARD_CAPTIONS: Readonly<Record<StandardField, string>> = {
  accountNo: 'Account no',
  billNo: 'Bill no',
  amount: 'Amount',
  paymentDate: 'Payment date',
  checkNo: 'Check no',
  payerName: 'Payer name',
  reference: 'Reference',
  paymentRef: 'Payment ID',
};

const PURPOSE_LABELS: Readonly<Record<ColumnConfig['purpose'], string>> = {
  entry: 'Data entry',
  display: 'Read-only',
  payments_tab: 'Payments tab',
};

/** What the field of a column is called and its type, for the editor. */
function fieldInfo(
  field: string,
  custom: readonly CustomFieldDto[],
): { label: string; type: CustomFieldType } {
  const key = customKeyOf(field);
  if (key === null) {
    const f = field as StandardField;
    return { label: STANDARD_CAPTIONS[f] ?? field, type: STANDARD_FIELD_TYPES[f] ?? 'text' };
  }
  const def = custom.find((c) => c.key === key);
  return { label: def ? `${def.label} (custom)` : `${key} (missing)`, type: def?.type ?? 'text' };
}

const SAMPLES: Readonly<Record<string, readonly [string, string]>> = {
  accountNo: ['A0000042', 'A0000107'],
  billNo: ['B0000042-3', 'B0000107-1'],
  checkNo: ['100231', '100232'],
  payerName: ['Mia Wolf', 'Koch Bakery'],
  reference: ['INV 4411', 'Remittance 88'],
  paymentRef: ['1042', '1043'],
};

/** Sample values for the preview grid, by field (built-in) or type (custom). */
function sample(
  field: string,
  type: CustomFieldType,
  row: number,
  codes: readonly { code: string }[],
): string {
  const known = SAMPLES[field];
  if (known) return known[row % 2] ?? '';
  switch (type) {
    case 'amount':
      return row === 0 ? '125.00' : '42.50';
    case 'date':
      return row === 0 ? '2026-11-20' : '2026-11-21';
    case 'number':
      return row === 0 ? '1001' : '1002';
    case 'code':
      return codes[row % Math.max(codes.length, 1)]?.code ?? '';
    default:
      return row === 0 ? 'A0000042' : 'A0000107';
  }
}

function SortableRow({
  column,
  custom,
  canEdit,
  onChange,
  onRemove,
}: {
  column: ColumnConfig;
  custom: readonly CustomFieldDto[];
  canEdit: boolean;
  onChange: (next: ColumnConfig) => void;
  onRemove: () => void;
}) {
  const { attributes, listeners, setNodeRef, transform, transition, isDragging } = useSortable({
    id: column.field,
    disabled: !canEdit,
  });
  const info = fieldInfo(column.field, custom);
  const id = column.field.replace(':', '-');
  return (
    <Box
      ref={setNodeRef}
      data-testid={`col-row-${id}`}
      sx={{
        display: 'grid',
        gridTemplateColumns: '32px 1.4fr 1.2fr 130px 80px 64px 72px 120px 40px',
        alignItems: 'center',
        gap: 1,
        px: 1,
        py: 0.5,
        borderBottom: 1,
        borderColor: 'divider',
        bgcolor: isDragging ? 'action.selected' : 'background.paper',
        transform: CSS.Transform.toString(transform),
        transition,
        position: 'relative',
        zIndex: isDragging ? 1 : 0,
      }}
    >
      <IconButton
        size="small"
        aria-label={`Drag ${column.caption}`}
        disabled={!canEdit}
        sx={{ cursor: canEdit ? 'grab' : 'default', touchAction: 'none' }}
        data-testid={`col-drag-${id}`}
        {...attributes}
        {...listeners}
      >
        <DragIndicatorIcon fontSize="small" />
      </IconButton>
      <TextField
        size="small"
        value={column.caption}
        disabled={!canEdit}
        onChange={(e) => onChange({ ...column, caption: e.target.value })}
        slotProps={{ htmlInput: { 'data-testid': `col-caption-${id}`, 'aria-label': 'Caption' } }}
      />
      <Typography variant="body2" color="textSecondary" noWrap title={column.field}>
        {info.label}
      </Typography>
      <TextField
        select
        size="small"
        value={column.purpose}
        disabled={!canEdit}
        onChange={(e) => onChange({ ...column, purpose: e.target.value as ColumnConfig['purpose'] })}
        slotProps={{ htmlInput: { 'aria-label': 'Purpose' } }}
      >
        {COLUMN_PURPOSES.map((p) => (
          <MenuItem key={p} value={p}>
            {PURPOSE_LABELS[p]}
          </MenuItem>
        ))}
      </TextField>
      <TextField
        size="small"
        type="number"
        value={column.width}
        disabled={!canEdit}
        onChange={(e) => onChange({ ...column, width: Number(e.target.value) || 0 })}
        slotProps={{ htmlInput: { min: 40, max: 800, step: 10, 'aria-label': 'Width' } }}
      />
      <Tooltip title="Visible">
        <Checkbox
          size="small"
          checked={column.visible}
          disabled={!canEdit}
          onChange={(e) => onChange({ ...column, visible: e.target.checked })}
          slotProps={{ input: { 'aria-label': 'Visible', ...{ 'data-testid': `col-visible-${id}` } } }}
        />
      </Tooltip>
      <Tooltip title="Required">
        <Checkbox
          size="small"
          checked={column.required}
          disabled={!canEdit}
          onChange={(e) => onChange({ ...column, required: e.target.checked })}
          slotProps={{ input: { 'aria-label': 'Required' } }}
        />
      </Tooltip>
      <TextField
        select
        size="small"
        value={column.format}
        disabled={!canEdit}
        onChange={(e) => onChange({ ...column, format: e.target.value })}
        slotProps={{ htmlInput: { 'aria-label': 'Format' }, select: { displayEmpty: true } }}
      >
        {FORMATS_BY_TYPE[info.type].map((f) => (
          <MenuItem key={f || 'none'} value={f}>
            {f || 'As keyed'}
          </MenuItem>
        ))}
      </TextField>
      <IconButton
        size="small"
        aria-label={`Remove ${column.caption}`}
        disabled={!canEdit}
        onClick={onRemove}
        data-testid={`col-remove-${id}`}
      >
        <DeleteOutlineIcon fontSize="small" />
      </IconButton>
    </Box>
  );
}

/** The dialog that defines a new custom field (free text, number, date, amount or code list). */
function CustomFieldDialog({
  onClose,
  onSaved,
}: {
  onClose: () => void;
  onSaved: (f: CustomFieldDto) => void;
}) {
  const [key, setKey] = useState('');
  const [label, setLabel] = useState('');
  const [type, setType] = useState<CustomFieldType>('text');
  const [codes, setCodes] = useState('');
  const [maxLength, setMaxLength] = useState(60);
  const [problems, setProblems] = useState<string[]>([]);
  const saveField = useApiMutation('admin:save-custom-field');
  const save = async () => {
    const list = codes
      .split(',')
      .map((c) => c.trim())
      .filter(Boolean)
      .map((c) => {
        const [code = '', ...rest] = c.split('=');
        return { code: code.trim(), label: rest.join('=').trim() };
      });
    try {
      onSaved(
        await saveField.run({
          key: key.trim(),
          label: label.trim(),
          type,
          codes: type === 'code' ? list : [],
          maxLength,
        }),
      );
    } catch (err) {
      setProblems(problemLines(err));
    }
  };
  return (
    <Dialog open onClose={onClose} maxWidth="xs" fullWidth data-testid="custom-field-dialog">
      <DialogTitle>New custom field</DialogTitle>
      <DialogContent sx={{ display: 'flex', flexDirection: 'column', gap: 2, pt: '8px !important' }}>
        <TextField
          label="Key"
          value={key}
          autoFocus
          onChange={(e) => setKey(e.target.value)}
          helperText="Letters, digits, _ and -; stored with each entry and used in bank-file templates as custom:<key>"
          slotProps={{ htmlInput: { 'data-testid': 'custom-field-key' } }}
        />
        <TextField
          label="Label"
          value={label}
          onChange={(e) => setLabel(e.target.value)}
          slotProps={{ htmlInput: { 'data-testid': 'custom-field-label' } }}
        />
        <TextField
          select
          label="Type"
          value={type}
          onChange={(e) => setType(e.target.value as CustomFieldType)}
          slotProps={{ htmlInput: { 'data-testid': 'custom-field-type' } }}
        >
          {CUSTOM_FIELD_TYPES.map((t) => (
            <MenuItem key={t} value={t}>
              {t === 'code' ? 'code list' : t}
            </MenuItem>
          ))}
        </TextField>
        {type === 'code' && (
          <TextField
            label="Codes"
            value={codes}
            onChange={(e) => setCodes(e.target.value)}
            helperText="code=label, separated by commas (N=North, S=South)"
          />
        )}
        <TextField
          label="Maximum length"
          type="number"
          value={maxLength}
          onChange={(e) => setMaxLength(Number(e.target.value) || 1)}
        />
        {problems.length > 0 && (
          <Alert severity="error" data-testid="custom-field-problems">
            {problems.map((p) => (
              <div key={p}>{p}</div>
            ))}
          </Alert>
        )}
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>Cancel</Button>
        <Button variant="contained" onClick={() => void save()} data-testid="custom-field-save">
          Add field
        </Button>
      </DialogActions>
    </Dialog>
  );
}

/**
 * The Payment Tool column editor: per batch type and pay type, the ordered columns (drag to reorder), their
 * captions, purpose, width, visibility, required flag and format, with a live preview of the clerk's grid.
 */
export function ColumnEditor({ canEdit }: { canEdit: boolean }) {
  const theme = useTheme();
  const gridTheme = useMemo(() => createGridTheme(theme), [theme]);
  const [batchType, setBatchType] = useState<BatchTypeDto>('payment');
  const [payType, setPayType] = useState(0);
  const sets = useApiQuery('admin:column-sets', {});
  const fields = useApiQuery('admin:custom-fields', {});
  const payTypes = useApiQuery('admin:pay-types', {});
  const saveColumns = useApiMutation('admin:save-columns');
  const deleteColumns = useApiMutation('admin:delete-columns');
  const deleteField = useApiMutation('admin:delete-custom-field');
  const [draft, setDraft] = useState<ColumnConfig[]>([]);
  const [ownSet, setOwnSet] = useState(false);
  const [problems, setProblems] = useState<string[]>([]);
  const [saved, setSaved] = useState<string | null>(null);
  const [defining, setDefining] = useState(false);
  const custom = useMemo(() => fields.data ?? [], [fields.data]);

  // The working copy starts from the saved set of this pay type, or from the default set when it has none;
  // it starts over when the saved sets change (a reread that finds them equal keeps the same value, so the
  // draft survives unrelated refreshes), when another batch type or pay type is picked, or on Discard.
  const [loaded, setLoaded] = useState<{ data: ColumnSetDto[] | null; key: string }>({ data: null, key: '' });
  const choice = `${batchType}/${payType}`;
  if (sets.data && (loaded.data !== sets.data || loaded.key !== choice)) {
    const find = (p: number): ColumnSetDto | undefined =>
      sets.data?.find((s) => s.batchType === batchType && s.payType === p);
    const own = payType === 0 ? find(0) : find(payType);
    setLoaded({ data: sets.data, key: choice });
    setOwnSet(Boolean(own));
    setDraft((own ?? find(0))?.columns.map((c) => ({ ...c })) ?? []);
    setProblems([]);
  }

  const sensors = useSensors(
    useSensor(PointerSensor, { activationConstraint: { distance: 4 } }),
    useSensor(KeyboardSensor, { coordinateGetter: sortableKeyboardCoordinates }),
  );
  const onDragEnd = (e: DragEndEvent) => {
    const { active, over } = e;
    if (!over || active.id === over.id) return;
    setDraft((cols) => {
      const from = cols.findIndex((c) => c.field === active.id);
      const to = cols.findIndex((c) => c.field === over.id);
      return from < 0 || to < 0 ? cols : arrayMove(cols, from, to);
    });
    setSaved(null);
  };

  const addable = [
    ...BATCH_TYPE_FIELDS[batchType].map((f) => ({ field: String(f), label: STANDARD_CAPTIONS[f] })),
    ...custom.map((f) => ({ field: `custom:${f.key}`, label: `${f.label} (custom)` })),
  ].filter((a) => !draft.some((c) => c.field === a.field));

  const addColumn = (field: string, caption?: string) => {
    const info = fieldInfo(field, custom);
    setDraft((cols) => [
      ...cols,
      {
        field,
        caption: caption ?? info.label.replace(/ \(custom\)$/, ''),
        purpose: 'entry',
        width: 130,
        visible: true,
        required: false,
        format: '',
      },
    ]);
    setSaved(null);
  };

  const save = async () => {
    setProblems([]);
    try {
      await saveColumns.run({ batchType, payType, columns: draft });
      setSaved('Saved. Clerks see the new columns the next time they open a batch of this type.');
    } catch (err) {
      setProblems(problemLines(err));
    }
  };

  const removeOwnSet = async () => {
    try {
      await deleteColumns.run({ batchType, payType });
      // The draft starts over from the default set once the sets are read again.
      setLoaded({ data: null, key: '' });
      setSaved('This pay type uses the default columns again.');
    } catch (err) {
      setProblems(problemLines(err));
    }
  };

  const payTypeChoices = (payTypes.data ?? []).filter((p) => p.enabled && p.batchTypes.includes(batchType));
  const previewColumns = useMemo<ColDef[]>(
    () =>
      draft
        .filter((c) => c.visible && c.purpose !== 'payments_tab')
        .map((c) => ({
          colId: c.field,
          field: c.field,
          headerName: c.caption + (c.required ? ' *' : ''),
          width: c.width,
          editable: false,
          cellStyle: c.purpose === 'display' ? { opacity: 0.7 } : undefined,
        })),
    [draft],
  );
  const previewRows = useMemo(
    () =>
      [0, 1].map((row) =>
        Object.fromEntries(
          draft.map((c) => {
            const key = customKeyOf(c.field);
            const codes = custom.find((f) => f.key === key)?.codes ?? [];
            const value = sample(c.field, fieldInfo(c.field, custom).type, row, codes);
            return [c.field, c.format === 'uppercase' ? value.toUpperCase() : value];
          }),
        ),
      ),
    [draft, custom],
  );

  return (
    <Box sx={{ display: 'flex', flexDirection: 'column', gap: 2 }} data-testid="column-editor">
      <Box sx={{ display: 'flex', gap: 2, alignItems: 'center', flexWrap: 'wrap' }}>
        <ToggleButtonGroup
          exclusive
          size="small"
          value={batchType}
          onChange={(_e, v: BatchTypeDto | null) => {
            if (v) {
              setBatchType(v);
              setPayType(0);
            }
          }}
        >
          {(['payment', 'refund', 'reversal'] as const).map((t) => (
            <ToggleButton key={t} value={t} data-testid={`columns-type-${t}`}>
              {t}
            </ToggleButton>
          ))}
        </ToggleButtonGroup>
        <TextField
          select
          size="small"
          label="Pay type"
          value={payType}
          onChange={(e) => setPayType(Number(e.target.value))}
          sx={{ minWidth: 240 }}
          slotProps={{ htmlInput: { 'data-testid': 'columns-pay-type' } }}
        >
          <MenuItem value={0}>Default (every pay type)</MenuItem>
          {payTypeChoices.map((p) => (
            <MenuItem key={p.payType} value={p.payType}>
              {p.name} ({p.payType})
            </MenuItem>
          ))}
        </TextField>
        {payType !== 0 && (
          <Typography variant="body2" color="textSecondary" data-testid="columns-source">
            {ownSet
              ? 'This pay type has its own columns.'
              : 'Uses the default columns; saving gives it its own.'}
          </Typography>
        )}
      </Box>
      {sets.error && <Alert severity="error">{sets.error}</Alert>}
      <Paper variant="outlined">
        <Box
          sx={{
            display: 'grid',
            gridTemplateColumns: '32px 1.4fr 1.2fr 130px 80px 64px 72px 120px 40px',
            gap: 1,
            px: 1,
            py: 0.75,
            borderBottom: 1,
            borderColor: 'divider',
            typography: 'caption',
            color: 'text.secondary',
            fontWeight: 600,
          }}
        >
          <span />
          <span>Caption</span>
          <span>Field</span>
          <span>Purpose</span>
          <span>Width</span>
          <span>Visible</span>
          <span>Required</span>
          <span>Format</span>
          <span />
        </Box>
        <DndContext sensors={sensors} collisionDetection={closestCenter} onDragEnd={onDragEnd}>
          <SortableContext items={draft.map((c) => c.field)} strategy={verticalListSortingStrategy}>
            {draft.map((c, i) => (
              <SortableRow
                key={c.field}
                column={c}
                custom={custom}
                canEdit={canEdit}
                onChange={(next) => {
                  setDraft((cols) => cols.map((x, j) => (j === i ? next : x)));
                  setSaved(null);
                }}
                onRemove={() => {
                  setDraft((cols) => cols.filter((_x, j) => j !== i));
                  setSaved(null);
                }}
              />
            ))}
          </SortableContext>
        </DndContext>
      </Paper>
      {canEdit && (
        <Box sx={{ display: 'flex', gap: 1, alignItems: 'center', flexWrap: 'wrap' }}>
          <TextField
            select
            size="small"
            label="Add column"
            value=""
            onChange={(e) => addColumn(e.target.value)}
            sx={{ minWidth: 220 }}
            disabled={addable.length === 0}
            slotProps={{ htmlInput: { 'data-testid': 'columns-add' } }}
          >
            {addable.map((a) => (
              <MenuItem
                key={a.field}
                value={a.field}
                data-testid={`columns-add-${a.field.replace(':', '-')}`}
              >
                {a.label}
              </MenuItem>
            ))}
          </TextField>
          <Button onClick={() => setDefining(true)} data-testid="columns-new-field">
            New custom field…
          </Button>
          <Box sx={{ flex: 1 }} />
          {payType !== 0 && ownSet && (
            <Button color="warning" onClick={() => void removeOwnSet()} data-testid="columns-use-default">
              Use the default columns
            </Button>
          )}
          <Button
            onClick={() => {
              setLoaded({ data: null, key: '' });
              sets.refetch();
              setSaved(null);
            }}
          >
            Discard changes
          </Button>
          <Button variant="contained" onClick={() => void save()} data-testid="columns-save">
            Save columns
          </Button>
        </Box>
      )}
      {problems.length > 0 && (
        <Alert severity="error" data-testid="columns-problems">
          {problems.map((p) => (
            <div key={p}>{p}</div>
          ))}
        </Alert>
      )}
      {saved && (
        <Alert severity="success" data-testid="columns-saved">
          {saved}
        </Alert>
      )}
      {custom.length > 0 && (
        <Box
          sx={{ display: 'flex', gap: 1, alignItems: 'center', flexWrap: 'wrap' }}
          data-testid="custom-fields"
        >
          <Typography variant="body2" color="textSecondary">
            Custom fields:
          </Typography>
          {custom.map((f) => (
            <Chip
              key={f.key}
              size="small"
              variant="outlined"
              label={`${f.label} · ${f.key} · ${f.type === 'code' ? f.codes.map((c) => c.code).join('/') : f.type}`}
              {...(canEdit
                ? {
                    onDelete: () => {
                      setProblems([]);
                      deleteField.run({ key: f.key }).catch((err: unknown) => setProblems(problemLines(err)));
                    },
                  }
                : {})}
            />
          ))}
        </Box>
      )}
      <Box>
        <Typography variant="subtitle2" sx={{ mb: 1 }}>
          Preview: the {batchType} batch grid as a clerk sees it
        </Typography>
        <Box sx={{ height: 150 }} data-testid="columns-preview">
          <AgGridReact
            theme={gridTheme}
            columnDefs={previewColumns}
            rowData={previewRows}
            suppressMovableColumns
          />
        </Box>
      </Box>
      {defining && (
        <CustomFieldDialog
          onClose={() => setDefining(false)}
          onSaved={(f) => {
            setDefining(false);
            addColumn(`custom:${f.key}`, f.label);
          }}
        />
      )}
    </Box>
  );
}
