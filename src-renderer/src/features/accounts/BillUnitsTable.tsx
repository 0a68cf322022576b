import Chip from '@mui/material/Chip';
import Paper from '@mui/material/Paper';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableContainer from '@mui/material/TableContainer';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';
import type { BillUnitDto } from '../../../../src-shared/dto/accounts';
import { accountingTypeName, payTypeName } from '../../components/account-labels';

/** The bill units of an account. */
export function BillUnitsTable({ billUnits }: { billUnits: BillUnitDto[] }) {
  return (
    <Paper variant="outlined" data-testid="bill-units">
      <Typography variant="subtitle2" sx={{ px: 2, pt: 1.5, pb: 1 }}>
        Bill units ({billUnits.length})
      </Typography>
      <TableContainer>
        <Table size="small" aria-label="Bill units">
          <TableHead>
            <TableRow>
              <TableCell>Number</TableCell>
              <TableCell>Name</TableCell>
              <TableCell>Accounting</TableCell>
              <TableCell>Pay type</TableCell>
              <TableCell>Term</TableCell>
              <TableCell>Paying</TableCell>
              <TableCell>Default</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {billUnits.length === 0 && (
              <TableRow>
                <TableCell colSpan={7} sx={{ color: 'text.secondary', textAlign: 'center' }}>
                  This account has no bill units.
                </TableCell>
              </TableRow>
            )}
            {billUnits.map((u) => (
              <TableRow key={u.billUnitNo} data-testid={`bill-unit-${u.billUnitNo}`}>
                <TableCell sx={{ fontFamily: 'monospace' }}>{u.billUnitNo}</TableCell>
                <TableCell>{u.name}</TableCell>
                <TableCell>{accountingTypeName(u.accountingType)}</TableCell>
                <TableCell>{payTypeName(u.payType)}</TableCell>
                <TableCell>{u.paymentTerm}</TableCell>
                <TableCell>
                  <Chip
                    label={u.paying ? 'Paying' : 'Nonpaying'}
                    size="small"
                    variant="outlined"
                    color={u.paying ? 'primary' : 'default'}
                    sx={{ height: 20, fontSize: 11 }}
                  />
                </TableCell>
                <TableCell>{u.isDefault ? 'Default' : ''}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </TableContainer>
    </Paper>
  );
}
