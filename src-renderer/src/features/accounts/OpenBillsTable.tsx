import { Fragment, useState, type KeyboardEvent } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Chip from '@mui/material/Chip';
import LinearProgress from '@mui/material/LinearProgress';
import Paper from '@mui/material/Paper';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableContainer from '@mui/material/TableContainer';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';
import KeyboardArrowDownIcon from '@mui/icons-material/KeyboardArrowDown';
import KeyboardArrowRightIcon from '@mui/icons-material/KeyboardArrowRight';
import type { BillDto } from '../../../../src-shared/dto/accounts';
import { useAppInfo } from '../../app/app-info';
import { formatCount, formatDate } from '../../components/format';
import { AllocationRowsTable } from '../../components/AllocationRowsTable';
import { itemTypeName } from '../../components/account-labels';
import { useApiQuery } from '../../components/query';

/** The items of one bill and what paid it, read when the bill is expanded and again when the ledger changes. */
function BillExpansion({ bill }: { bill: BillDto }) {
  const { money } = useAppInfo();
  const itemsRead = useApiQuery('accounts:bill-items', { billNo: bill.billNo });
  const paidByRead = useApiQuery('bills:payments', { billNo: bill.billNo });

  const error = itemsRead.error ?? paidByRead.error;
  if (error) return <Alert severity="error">{error}</Alert>;
  const items = itemsRead.data;
  const paidBy = paidByRead.data;
  if (!items || !paidBy) return <LinearProgress sx={{ my: 1 }} />;
  return (
    <>
      <Table
        size="small"
        aria-label={`Items of bill ${bill.billNo}`}
        data-testid={`bill-items-${bill.billNo}`}
      >
        <TableHead>
          <TableRow>
            <TableCell>Item</TableCell>
            <TableCell>Type</TableCell>
            <TableCell align="right">Amount</TableCell>
            <TableCell align="right">Open</TableCell>
            <TableCell align="right">G/L ID</TableCell>
            <TableCell>Status</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {items.length === 0 && (
            <TableRow>
              <TableCell colSpan={6} sx={{ color: 'text.secondary' }}>
                This bill has no items.
              </TableCell>
            </TableRow>
          )}
          {items.map((it) => (
            <TableRow key={it.itemNo} data-testid={`bill-item-${it.itemNo}`}>
              <TableCell sx={{ fontFamily: 'monospace' }}>{it.itemNo}</TableCell>
              <TableCell>{itemTypeName(it.type)}</TableCell>
              <TableCell align="right">{money(it.amountMinor, bill.currency)}</TableCell>
              <TableCell align="right">{money(it.openMinor, bill.currency)}</TableCell>
              <TableCell align="right">{it.glId}</TableCell>
              <TableCell sx={{ textTransform: 'capitalize' }}>{it.status}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
      <Typography
        variant="caption"
        color="textSecondary"
        component="div"
        sx={{ fontWeight: 600, mt: 1.5, mb: 0.5, pl: 2 }}
      >
        Paid by
      </Typography>
      {paidBy.length === 0 ? (
        <Typography
          variant="body2"
          color="textSecondary"
          sx={{ pl: 2, pb: 0.5 }}
          data-testid={`bill-paid-by-empty-${bill.billNo}`}
        >
          No payment has been allocated to this bill yet.
        </Typography>
      ) : (
        <AllocationRowsTable
          rows={paidBy}
          currency={bill.currency}
          by="bill"
          testId={`bill-paid-by-${bill.billNo}`}
          label={`Payments allocated to bill ${bill.billNo}`}
        />
      )}
    </>
  );
}

/** Open bills of an account; a bill row expands to show its items and the payments allocated to it. */
export function OpenBillsTable({ bills, totalCount }: { bills: BillDto[]; totalCount: number }) {
  const { money } = useAppInfo();
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());

  const toggle = (billNo: string) => {
    const next = new Set(expanded);
    if (next.has(billNo)) next.delete(billNo);
    else next.add(billNo);
    setExpanded(next);
  };

  const onRowKey = (e: KeyboardEvent, billNo: string) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      toggle(billNo);
    }
  };

  return (
    <Paper variant="outlined" data-testid="open-bills">
      <Box sx={{ px: 2, pt: 1.5, pb: 1, display: 'flex', alignItems: 'baseline', gap: 1 }}>
        <Typography variant="subtitle2">Open bills ({formatCount(totalCount)})</Typography>
        {totalCount > bills.length && (
          <Typography variant="caption" color="textSecondary">
            showing the {formatCount(bills.length)} due first
          </Typography>
        )}
      </Box>
      <TableContainer>
        <Table size="small" aria-label="Open bills">
          <TableHead>
            <TableRow>
              <TableCell padding="checkbox" />
              <TableCell>Bill</TableCell>
              <TableCell>Bill unit</TableCell>
              <TableCell>Bill date</TableCell>
              <TableCell>Due date</TableCell>
              <TableCell align="right">Total</TableCell>
              <TableCell align="right">Amount due</TableCell>
              <TableCell>Status</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {bills.length === 0 && (
              <TableRow>
                <TableCell colSpan={8} sx={{ color: 'text.secondary', textAlign: 'center', py: 2 }}>
                  No open bills: everything billed has been paid.
                </TableCell>
              </TableRow>
            )}
            {bills.map((b) => {
              const open = expanded.has(b.billNo);
              return (
                <Fragment key={b.billNo}>
                  <TableRow
                    hover
                    tabIndex={0}
                    aria-expanded={open}
                    data-testid={`open-bill-${b.billNo}`}
                    onClick={() => toggle(b.billNo)}
                    onKeyDown={(e) => onRowKey(e, b.billNo)}
                    sx={{ cursor: 'pointer', '& > td': { borderBottom: open ? 'none' : undefined } }}
                  >
                    <TableCell padding="checkbox" sx={{ color: 'text.secondary' }}>
                      {open ? (
                        <KeyboardArrowDownIcon fontSize="small" />
                      ) : (
                        <KeyboardArrowRightIcon fontSize="small" />
                      )}
                    </TableCell>
                    <TableCell sx={{ fontFamily: 'monospace' }}>{b.billNo}</TableCell>
                    <TableCell sx={{ fontFamily: 'monospace' }}>{b.billUnitNo}</TableCell>
                    <TableCell>{formatDate(b.billDate)}</TableCell>
                    <TableCell>{formatDate(b.dueDate)}</TableCell>
                    <TableCell align="right" data-testid="bill-total">
                      {money(b.totalMinor, b.currency)}
                    </TableCell>
                    <TableCell align="right" data-testid="bill-due" sx={{ fontWeight: 500 }}>
                      {money(b.amountDueMinor, b.currency)}
                    </TableCell>
                    <TableCell>
                      {b.overdue ? (
                        <Chip label="Overdue" color="error" size="small" sx={{ height: 20, fontSize: 11 }} />
                      ) : (
                        <Chip label="Due" size="small" variant="outlined" sx={{ height: 20, fontSize: 11 }} />
                      )}
                    </TableCell>
                  </TableRow>
                  {open && (
                    <TableRow>
                      <TableCell colSpan={8} sx={{ py: 1, bgcolor: 'action.hover' }}>
                        <Box sx={{ pl: 5 }}>
                          <BillExpansion bill={b} />
                        </Box>
                      </TableCell>
                    </TableRow>
                  )}
                </Fragment>
              );
            })}
          </TableBody>
        </Table>
      </TableContainer>
    </Paper>
  );
}
