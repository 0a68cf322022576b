import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import InputAdornment from '@mui/material/InputAdornment';
import LinearProgress from '@mui/material/LinearProgress';
import List from '@mui/material/List';
import ListItemButton from '@mui/material/ListItemButton';
import TextField from '@mui/material/TextField';
import ToggleButton from '@mui/material/ToggleButton';
import ToggleButtonGroup from '@mui/material/ToggleButtonGroup';
import Typography from '@mui/material/Typography';
import SearchIcon from '@mui/icons-material/Search';
import type { AccountSearchDto } from '../../../../src-shared/dto/accounts';
import { useAppInfo } from '../../app/app-info';
import { formatCount } from '../../components/format';
import { useDebouncedValue } from '../../components/use-debounced-value';
import { AccountStatusChip } from '../../components/AccountStatusChip';
import { useShortcuts } from '../../components/shortcuts';
import { useApiQuery } from '../../components/query';

/** Search mode of the accounts search. */
export type SearchMode = 'prefix' | 'contains';

const DEBOUNCE_MS = 150;
const LIMIT = 50;

/** The query and mode whose answer the list shows (while the next one loads, the previous stays). */
type Shown = { query: string; mode: SearchMode };

/** Left side of Accounts: search box, mode toggle and result list with keyboard selection. */
export function AccountSearchPanel({
  active: areaActive,
  selectedAccountNo,
  onSelect,
  onOpenWelcome,
}: {
  active: boolean;
  selectedAccountNo: string | null;
  onSelect: (accountNo: string) => void;
  onOpenWelcome: () => void;
}) {
  const { info, money } = useAppInfo();
  const [query, setQuery] = useState('');
  const [mode, setMode] = useState<SearchMode>('prefix');
  const [shown, setShown] = useState<Shown | null>(null);
  // -1: the cursor is in the search box with no row highlighted, so the first ↓ lands on the first match.
  const [active, setActive] = useState(-1);
  const debounced = useDebouncedValue(query, DEBOUNCE_MS);
  const rowRefs = useRef(new Map<string, HTMLElement>());
  const inputRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    // Coming back to Accounts puts the cursor in the search box again.
    if (areaActive) inputRef.current?.focus();
  }, [areaActive]);

  const search = useApiQuery(
    'accounts:search',
    { query: debounced, mode, limit: LIMIT },
    { keepPrevious: true },
  );
  // The answer to a new query or mode has arrived: the list now shows it, with no row highlighted yet.
  const settled = !search.fetching && (search.data !== undefined || search.error !== null);
  if (settled && (shown?.query !== debounced || shown.mode !== mode)) {
    setShown({ query: debounced, mode });
    setActive(-1);
  }
  const result: AccountSearchDto | undefined = search.data;
  const rows = result?.rows ?? [];
  const pending = search.fetching || query !== debounced || shown?.query !== debounced || shown.mode !== mode;
  const activeRow = active < 0 ? undefined : rows[Math.min(active, rows.length - 1)];

  useEffect(() => {
    if (activeRow) rowRefs.current.get(activeRow.accountNo)?.scrollIntoView({ block: 'nearest' });
  }, [activeRow]);

  useShortcuts(
    'Accounts',
    [
      { keys: '↓ / ↑', label: 'Walk the matches (the first ↓ from the search box lands on the first)' },
      { keys: 'Enter', label: 'Open the highlighted account (or the first match)' },
    ],
    areaActive,
  );

  const onKeyDown = (e: KeyboardEvent<HTMLElement>) => {
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      setActive((i) => Math.min(i + 1, rows.length - 1));
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      setActive((i) => Math.max(i - 1, 0));
    } else if (e.key === 'Enter' && (activeRow ?? rows[0])) {
      // Enter in the box without a highlighted row opens the first match, as ↓ then Enter does.
      e.preventDefault();
      onSelect((activeRow ?? rows[0])!.accountNo);
    }
  };

  const ledgerEmpty = info?.isEmpty === true;
  return (
    <Box
      sx={{
        width: { xs: 308, xl: 380 },
        flexShrink: 0,
        display: 'flex',
        flexDirection: 'column',
        borderRight: 1,
        borderColor: 'divider',
        bgcolor: 'background.paper',
        minHeight: 0,
      }}
    >
      <Box sx={{ p: 1.5, display: 'flex', flexDirection: 'column', gap: 1 }}>
        <TextField
          autoFocus
          inputRef={inputRef}
          fullWidth
          size="small"
          placeholder="Account number or name"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          onKeyDown={onKeyDown}
          slotProps={{
            input: {
              startAdornment: (
                <InputAdornment position="start">
                  <SearchIcon fontSize="small" />
                </InputAdornment>
              ),
            },
            htmlInput: {
              'data-testid': 'account-search',
              'aria-label': 'Search accounts',
              role: 'combobox',
              'aria-expanded': rows.length > 0,
              'aria-controls': 'account-results',
              'aria-activedescendant': activeRow ? `account-option-${activeRow.accountNo}` : undefined,
            },
          }}
        />
        <Box sx={{ display: 'flex', alignItems: 'center', gap: 1 }}>
          <ToggleButtonGroup
            value={mode}
            exclusive
            size="small"
            color="primary"
            aria-label="Search mode"
            onChange={(_e, v: SearchMode | null) => v && setMode(v)}
          >
            <ToggleButton value="prefix" data-testid="search-mode-prefix" sx={{ py: 0.25, px: 1.25 }}>
              Starts with
            </ToggleButton>
            <ToggleButton value="contains" data-testid="search-mode-contains" sx={{ py: 0.25, px: 1.25 }}>
              Contains
            </ToggleButton>
          </ToggleButtonGroup>
          <Typography variant="caption" color="textSecondary" sx={{ ml: 'auto' }} data-testid="search-count">
            {result && !ledgerEmpty
              ? `${formatCount(rows.length)}${result.truncated ? '+' : ''} ${rows.length === 1 ? 'match' : 'matches'}`
              : ''}
          </Typography>
        </Box>
      </Box>
      <LinearProgress sx={{ height: 2, visibility: pending ? 'visible' : 'hidden' }} aria-hidden />
      <Box sx={{ flex: 1, overflowY: 'auto', minHeight: 0 }}>
        {search.error && (
          <Alert severity="error" sx={{ m: 1.5 }}>
            {search.error}
          </Alert>
        )}
        {ledgerEmpty && !search.error && (
          <Box sx={{ p: 3, textAlign: 'center' }} data-testid="accounts-empty-ledger">
            <Typography sx={{ mb: 1 }}>The ledger has no accounts yet.</Typography>
            <Typography variant="body2" color="textSecondary" sx={{ mb: 2 }}>
              Import receivables with the command-line tool, or load a demo book to explore.
            </Typography>
            <Button variant="outlined" onClick={onOpenWelcome}>
              Load demo data…
            </Button>
          </Box>
        )}
        {!ledgerEmpty && result && shown && rows.length === 0 && (
          <Typography
            color="textSecondary"
            sx={{ p: 3, textAlign: 'center' }}
            data-testid="search-no-results"
          >
            No accounts {shown.mode === 'prefix' ? 'start with' : 'contain'} “{shown.query.trim()}”.
          </Typography>
        )}
        <List
          dense
          disablePadding
          id="account-results"
          role="listbox"
          aria-label="Accounts"
          data-testid="account-results"
          data-query={shown?.query ?? ''}
          data-mode={shown?.mode ?? 'prefix'}
          data-pending={pending}
        >
          {rows.map((row, i) => {
            const isActive = activeRow?.accountNo === row.accountNo;
            return (
              <ListItemButton
                key={row.accountNo}
                id={`account-option-${row.accountNo}`}
                role="option"
                aria-selected={row.accountNo === selectedAccountNo}
                selected={row.accountNo === selectedAccountNo}
                data-testid={`account-row-${row.accountNo}`}
                ref={(el: HTMLDivElement | null) => {
                  if (el) rowRefs.current.set(row.accountNo, el);
                  else rowRefs.current.delete(row.accountNo);
                }}
                onClick={() => {
                  setActive(i);
                  onSelect(row.accountNo);
                }}
                onKeyDown={onKeyDown}
                sx={{
                  display: 'grid',
                  gridTemplateColumns: '1fr auto',
                  columnGap: 1,
                  rowGap: 0.25,
                  py: 0.75,
                  px: 1.5,
                  borderBottom: 1,
                  borderColor: 'divider',
                  boxShadow: isActive ? (t) => `inset 3px 0 0 ${t.palette.primary.main}` : 'none',
                }}
              >
                <Box sx={{ display: 'flex', gap: 1, minWidth: 0, alignItems: 'baseline' }}>
                  <Typography
                    variant="body2"
                    sx={{ fontFamily: 'monospace', fontWeight: 600, flexShrink: 0 }}
                  >
                    {row.accountNo}
                  </Typography>
                  <Typography variant="body2" noWrap title={row.name}>
                    {row.name}
                  </Typography>
                </Box>
                <Typography
                  variant="body2"
                  sx={{ textAlign: 'right', fontVariantNumeric: 'tabular-nums', fontWeight: 500 }}
                  color={row.balanceMinor < 0 ? 'success' : 'textPrimary'}
                >
                  {money(row.balanceMinor, row.currency)}
                </Typography>
                <Box sx={{ display: 'flex', gap: 1, alignItems: 'center' }}>
                  <AccountStatusChip status={row.status} />
                </Box>
                <Typography variant="caption" color="textSecondary" sx={{ textAlign: 'right' }}>
                  {row.currency}
                </Typography>
              </ListItemButton>
            );
          })}
        </List>
        {result?.truncated && (
          <Typography
            variant="caption"
            color="textSecondary"
            component="p"
            sx={{ p: 1.5, textAlign: 'center' }}
          >
            Showing the first {LIMIT} matches. Type more to narrow the search.
          </Typography>
        )}
      </Box>
    </Box>
  );
}
