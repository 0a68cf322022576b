import { Fragment } from 'react';
import Box from '@mui/material/Box';
import IconButton from '@mui/material/IconButton';
import InputAdornment from '@mui/material/InputAdornment';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableContainer from '@mui/material/TableContainer';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import TextField from '@mui/material/TextField';
import Tooltip from '@mui/material/Tooltip';
import Typography from '@mui/material/Typography';
import KeyboardArrowDownIcon from '@mui/icons-material/KeyboardArrowDown';
import KeyboardArrowRightIcon from '@mui/icons-material/KeyboardArrowRight';
import type { AllocBillDto } from '../../../../src-shared/dto/allocation';
import { useAppInfo } from '../../app/app-info';
import { formatLocalAmount } from '../../components/amount';
import { formatDate } from '../../components/format';
import { itemTypeName } from '../../components/account-labels';
import { billKey, itemKey, problemText } from './allocate-logic';
import { billFieldText, spreadOverItems } from './allocation-fill';
import type { AllocateState } from './use-allocate-payment';

const APPLY_FIELD_SX = { width: 150, '& .MuiFormHelperText-root': { mx: 0, textAlign: 'right' } } as const;
const APPLY_INPUT_STYLE = { textAlign: 'right', fontVariantNumeric: 'tabular-nums' } as const;

/** One open bill: its figures and its Apply field (the sum of its items when they are entered one by one). */
function BillRow({ s, bill: b }: { s: AllocateState; bill: AllocBillDto }) {
  const { money } = useAppInfo();
  const entry = s.entries[b.billNo];
  const bc = s.check.bills.get(b.billNo);
  const open = s.expanded.has(b.billNo) && b.payable;
  const billProblem = entry?.mode === 'bill' ? problemText(bc, money, s.currency) : null;
  return (
    <TableRow
      data-testid={`allocate-bill-${b.billNo}`}
      sx={{ '& > td': { borderBottom: open ? 'none' : undefined } }}
    >
      <TableCell padding="checkbox">
        {b.payable && !s.billLevelEntry && (
          <IconButton
            size="small"
            tabIndex={-1}
            aria-label={open ? `Hide items of ${b.billNo}` : `Show items of ${b.billNo}`}
            aria-expanded={open}
            onClick={() => s.toggle(b.billNo)}
            data-testid={`allocate-expand-${b.billNo}`}
          >
            {open ? <KeyboardArrowDownIcon fontSize="small" /> : <KeyboardArrowRightIcon fontSize="small" />}
          </IconButton>
        )}
      </TableCell>
      <TableCell>
        <Box component="span" sx={{ fontFamily: 'monospace', fontWeight: 600 }}>
          {b.billNo}
        </Box>
        <Typography variant="caption" color="textSecondary" sx={{ ml: 1 }}>
          {b.billUnitNo} · {b.items.length} {b.items.length === 1 ? 'item' : 'items'}
        </Typography>
      </TableCell>
      <TableCell>{formatDate(b.dueDate)}</TableCell>
      <TableCell align="right">{money(b.totalMinor, s.currency)}</TableCell>
      <TableCell align="right" sx={{ fontWeight: 500 }}>
        {money(b.amountDueMinor, s.currency)}
      </TableCell>
      <TableCell align="right" sx={{ py: 0.5 }}>
        {b.payable ? (
          <TextField
            size="small"
            value={billFieldText(entry, bc?.amountMinor ?? 0, s.exponent)}
            onChange={(e) => s.setBillText(b.billNo, e.target.value)}
            {...s.keyboard.fieldBindings(billKey(b.billNo), b.billNo)}
            error={billProblem !== null}
            helperText={billProblem}
            disabled={s.unallocatedMinor <= 0}
            placeholder="0"
            sx={APPLY_FIELD_SX}
            slotProps={{
              input:
                entry?.mode === 'items'
                  ? {
                      startAdornment: (
                        <InputAdornment position="start">
                          <Tooltip title="Sum of the item amounts">
                            <span>Σ</span>
                          </Tooltip>
                        </InputAdornment>
                      ),
                    }
                  : {},
              htmlInput: {
                'data-testid': `apply-bill-${b.billNo}`,
                'aria-label': `Apply to bill ${b.billNo}`,
                'aria-keyshortcuts': 'Alt+ArrowRight',
                inputMode: 'decimal',
                autoComplete: 'off',
                style: APPLY_INPUT_STYLE,
              },
            }}
          />
        ) : (
          <Typography variant="caption" color="textSecondary">
            Nonpaying bill unit
          </Typography>
        )}
      </TableCell>
    </TableRow>
  );
}

/** The items of an expanded bill, each with its own Apply field (a bill amount shows as placeholders). */
function ItemRows({ s, bill: b }: { s: AllocateState; bill: AllocBillDto }) {
  const { money } = useAppInfo();
  const entry = s.entries[b.billNo];
  const bc = s.check.bills.get(b.billNo);
  const spread =
    entry?.mode === 'bill' && bc && !bc.problem && bc.amountMinor > 0
      ? spreadOverItems(b, bc.amountMinor)
      : null;
  return b.items.map((it, idx) => {
    const itemProblem =
      entry?.mode === 'items' ? problemText(s.check.items.get(it.itemNo), money, s.currency) : null;
    const last = idx === b.items.length - 1;
    return (
      <TableRow
        key={it.itemNo}
        data-testid={`allocate-item-${it.itemNo}`}
        sx={{ bgcolor: 'action.hover', '& > td': { borderBottom: last ? undefined : 'none' } }}
      >
        <TableCell padding="checkbox" />
        <TableCell sx={{ pl: 4 }}>
          <Box component="span" sx={{ fontFamily: 'monospace' }}>
            {it.itemNo}
          </Box>
          <Typography variant="caption" color="textSecondary" sx={{ ml: 1 }}>
            {itemTypeName(it.type)}
          </Typography>
        </TableCell>
        <TableCell />
        <TableCell align="right">{money(it.amountMinor, s.currency)}</TableCell>
        <TableCell align="right">{money(it.openMinor, s.currency)}</TableCell>
        <TableCell align="right" sx={{ py: 0.25 }}>
          <TextField
            size="small"
            value={entry?.mode === 'items' ? (entry.itemTexts[it.itemNo] ?? '') : ''}
            onChange={(e) => s.setItemText(b, it.itemNo, e.target.value)}
            {...s.keyboard.fieldBindings(itemKey(it.itemNo), b.billNo)}
            error={itemProblem !== null}
            helperText={itemProblem}
            disabled={s.unallocatedMinor <= 0}
            placeholder={spread ? formatLocalAmount(spread.get(it.itemNo) ?? 0, s.exponent) : '0'}
            sx={{ ...APPLY_FIELD_SX, '& .MuiInputBase-input': { py: 0.5 } }}
            slotProps={{
              htmlInput: {
                'data-testid': `apply-item-${it.itemNo}`,
                'aria-label': `Apply to item ${it.itemNo}`,
                inputMode: 'decimal',
                autoComplete: 'off',
                style: APPLY_INPUT_STYLE,
              },
            }}
          />
        </TableCell>
      </TableRow>
    );
  });
}

/** The account's open bills with an Apply column; a payable bill opens into its items. */
export function AllocateBillsTable({ s }: { s: AllocateState }) {
  if (s.bills.length === 0)
    return (
      <Typography color="textSecondary" sx={{ py: 3, textAlign: 'center' }}>
        This account has no open bills: the payment stays as account credit.
      </Typography>
    );
  return (
    <TableContainer sx={{ border: 1, borderColor: 'divider', borderRadius: 1 }}>
      <Table size="small" aria-label="Open bills to allocate to">
        <TableHead>
          <TableRow>
            <TableCell padding="checkbox" />
            <TableCell>Bill / item</TableCell>
            <TableCell>Due date</TableCell>
            <TableCell align="right">Total</TableCell>
            <TableCell align="right">Open</TableCell>
            <TableCell align="right" sx={{ width: 170 }}>
              Apply
            </TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {s.bills.map((b) => (
            <Fragment key={b.billNo}>
              <BillRow s={s} bill={b} />
              {s.expanded.has(b.billNo) && b.payable && <ItemRows s={s} bill={b} />}
            </Fragment>
          ))}
        </TableBody>
      </Table>
    </TableContainer>
  );
}
