import { useCallback, useMemo, type RefObject } from 'react';
import Box from '@mui/material/Box';
import IconButton from '@mui/material/IconButton';
import TimelineIcon from '@mui/icons-material/Timeline';
import type { ColDef, ICellRendererParams, IRowNode } from 'ag-grid-community';
import { isPostedEntry } from '../../../../src-shared/dto/batches';
import type { ColumnConfig } from '../../../../src-shared/columns';
import type { GridColumnsDto } from '../../../../src-shared/dto/admin';
import { useAppInfo } from '../../app/app-info';
import { formatCount } from '../../components/format';
import { fieldText, sortKeyOf, type EditableField } from './entry-fields';
import { allocationStateLabel, entryStatusLabel, entryStatusTone, reasonText } from './labels';
import { StatusPill } from './StatusPill';
import { KeyedCodeEditor } from './keyed-code-editor';
import { KeyedTextEditor } from './keyed-text-editor';
import { hasProblemOn, problemSummary, problemsOnText, problemsTooltip } from './entry-problems';
import type { GridRow } from './entries-grid-model';

function StatusCell(p: ICellRendererParams<GridRow, unknown, { timeline: (paymentId: number) => void }>) {
  const row = p.data;
  if (!row || row.totals) return null;
  const paymentId = row.postedPaymentId;
  return (
    <Box sx={{ display: 'flex', alignItems: 'center', height: '100%' }}>
      <StatusPill
        label={
          entryStatusLabel(row.status) + (row.manualSuspend && row.status !== 'posted' ? ' (by hand)' : '')
        }
        tone={entryStatusTone(row.status)}
        testId={`entry-status-${row.id}`}
      />
      {paymentId !== null && (
        <IconButton
          size="small"
          tabIndex={-1}
          title={`Timeline of payment ${paymentId}`}
          onClick={() => p.context.timeline(paymentId)}
          data-testid={`entry-timeline-${row.id}`}
        >
          <TimelineIcon fontSize="inherit" />
        </IconButton>
      )}
    </Box>
  );
}

/**
 * Shorter headers for the shipped captions, so identifier columns are as wide as their values rather than their
 * headers; the tooltip and the Columns menu keep the whole caption. A caption the admin changed shows as set.
 */
const SHORT_CAPTIONS: Readonly<Record<string, string>> = {
  'Account no': 'Account',
  'Bill no': 'Bill',
  'Payment date': 'Date',
  'Check no': 'Check',
  'Payer name': 'Payer',
};

/**
 * The entries grid's column definitions: the admin's keyed columns (with problem marks, code labels and the
 * totals row's count and sum) between the sequence number and the verdict columns.
 */
export function useEntryColumns({
  gridConfig,
  gridColumns,
  labelField,
  editableRef,
  currency,
  exponent,
}: {
  gridConfig: GridColumnsDto | null;
  gridColumns: readonly ColumnConfig[];
  labelField: string;
  editableRef: RefObject<boolean>;
  currency: string;
  exponent: number;
}): ColDef<GridRow>[] {
  const { money } = useAppInfo();
  const cellEditable = useCallback(
    (p: { node: IRowNode<GridRow>; data: GridRow | undefined }) =>
      editableRef.current && !p.node.rowPinned && !!p.data && !p.data.totals && !isPostedEntry(p.data.status),
    [editableRef],
  );

  const columns = useMemo<ColDef<GridRow>[]>(() => {
    const problemRules = (field: EditableField) => ({
      'batch-cell-invalid': (p: { data: GridRow | undefined }) =>
        !!p.data && !p.data.totals && hasProblemOn(p.data, field) && p.data.status === 'invalid',
      'batch-cell-warning': (p: { data: GridRow | undefined }) =>
        !!p.data &&
        !p.data.totals &&
        hasProblemOn(p.data, field) &&
        p.data.problem !== null &&
        p.data.status !== 'invalid' &&
        !isPostedEntry(p.data.status),
    });
    const keyed = (column: ColumnConfig): ColDef<GridRow> => {
      const field = column.field as EditableField;
      const custom = (gridConfig?.customFields ?? []).find((f) => `custom:${f.key}` === field);
      const codes = new Map(custom?.codes.map((c) => [c.code, c.label]) ?? []);
      const short = SHORT_CAPTIONS[column.caption];
      return {
        colId: field,
        headerName: (short ?? column.caption) + (column.required ? ' *' : ''),
        context: { caption: column.caption },
        headerTooltip:
          [
            short ? column.caption : '',
            column.required ? 'Required' : '',
            column.purpose === 'display' ? 'Read-only' : '',
            codes.size ? `Codes: ${[...codes].map(([c, l]) => `${c} ${l}`).join(', ')}` : '',
          ]
            .filter(Boolean)
            .join(' · ') || undefined,
        width: column.width,
        hide: !column.visible,
        editable: column.purpose === 'entry' ? cellEditable : false,
        ...(custom?.type === 'code'
          ? { cellEditor: KeyedCodeEditor, cellEditorParams: { codes: custom.codes } }
          : { cellEditor: KeyedTextEditor }),
        sortable: sortKeyOf(field) !== undefined,
        cellClassRules: {
          ...problemRules(field),
          // The count and the sum sit in neighbouring columns; a rule and spacing keep them from reading as one.
          'batch-totals-label': (p: { data: GridRow | undefined }) =>
            !!p.data?.totals && field === labelField,
          'batch-totals-amount': (p: { data: GridRow | undefined }) => !!p.data?.totals && field === 'amount',
        },
        valueGetter: (p) =>
          p.data && !p.data.totals ? fieldText(p.data, field, { exponent: exponent }) : '',
        valueFormatter: (p) => {
          const row = p.data;
          if (!row) return '';
          if (row.totals) {
            if (field === 'amount') return money(row.totals.amountMinor, currency);
            if (field === labelField)
              return `Total of ${formatCount(row.totals.count)} ${row.totals.count === 1 ? 'entry' : 'entries'}`;
            return '';
          }
          // An entry in another currency than its batch shows its code, so it cannot pass for the batch's.
          if (field === 'amount')
            return row.amountMinor !== null
              ? money(row.amountMinor, row.currency || currency, row.currency !== currency)
              : (row.amountText ?? '');
          const text = String(p.value ?? '');
          if (column.format === 'code-label' && codes.has(text)) return `${text} ${codes.get(text)}`;
          return text;
        },
        tooltipValueGetter: (p) => (p.data && !p.data.totals ? problemsOnText(p.data, field) : undefined),
        ...(field === 'amount' || field === 'paymentRef' ? { type: 'rightAligned' } : {}),
      };
    };
    return [
      {
        colId: 'seq',
        headerName: 'Seq',
        width: 68,
        type: 'rightAligned',
        valueGetter: (p) => (p.data && !p.data.totals ? p.data.seq : null),
      },
      ...gridColumns.map(keyed),
      {
        colId: 'currency',
        headerName: 'Currency',
        headerTooltip: 'Currency',
        width: 92,
        sortable: false,
        valueGetter: (p) => (p.data && !p.data.totals ? p.data.currency : null),
        tooltipValueGetter: (p) =>
          p.data && !p.data.totals ? problemsOnText(p.data, 'currency') : undefined,
        cellClassRules: {
          'batch-cell-invalid': (p) => !!p.data && !p.data.totals && hasProblemOn(p.data, 'currency'),
        },
      },
      {
        colId: 'problem',
        headerName: 'Problem',
        width: 260,
        sortable: false,
        valueGetter: (p) => (p.data && !p.data.totals ? problemSummary(p.data) : null),
        tooltipValueGetter: (p) => (p.data && !p.data.totals ? problemsTooltip(p.data) : null),
        cellClassRules: {
          'batch-problem-error': (p) =>
            p.data?.status === 'invalid' || p.data?.status === 'allocation_required',
        },
      },
      {
        colId: 'reasonCode',
        headerName: 'Reason',
        headerTooltip: 'Reason code',
        width: 84,
        type: 'rightAligned',
        valueGetter: (p) => (p.data && !p.data.totals ? p.data.reasonCode : null),
        tooltipValueGetter: (p) => (p.data ? reasonText(p.data.reasonCode) : null),
      },
      {
        colId: 'allocationState',
        headerName: 'Allocation',
        headerTooltip: 'Allocation',
        width: 104,
        sortable: false,
        valueGetter: (p) => (p.data && !p.data.totals ? allocationStateLabel(p.data.allocationState) : ''),
      },
      {
        // Pinned right so the verdict stays in view however far the clerk has scrolled along the row.
        colId: 'status',
        headerName: 'Status',
        width: 176,
        pinned: 'right',
        valueGetter: (p) => p.data?.status,
        tooltipValueGetter: (p) => (p.data && !p.data.totals ? problemsTooltip(p.data) : null),
        cellRenderer: StatusCell,
      },
    ];
  }, [gridColumns, gridConfig, labelField, money, currency, exponent, cellEditable]);
  return columns;
}
