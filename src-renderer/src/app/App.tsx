import { lazy, Suspense, useCallback, useEffect, useMemo, useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import CssBaseline from '@mui/material/CssBaseline';
import LinearProgress from '@mui/material/LinearProgress';
import { ThemeProvider } from '@mui/material/styles';
import { hasApi } from '../api/client';
import { AuthGate } from '../features/auth/AuthGate';
import { ApiQueryProvider } from '../components/query';
import { ComingSoon } from '../features/coming-soon/ComingSoon';
import { useAppInfo } from './app-info';
import { AppInfoProvider } from './AppInfoProvider';
import { AREAS, isAreaId, type AreaId } from './areas';
import { isKeyingEvent } from './keying-zone';
import { NavRail } from './NavRail';
import { StatusBar } from './StatusBar';
import { createAppTheme, initialThemeMode, saveThemeMode, type ThemeMode } from './theme';
import { TopBar } from './TopBar';
import { useHashRoute, type NavigateOptions } from './use-hash-route';
import { useDialogFirstFieldFocus } from '../components/dialog-focus';
import { ShortcutSheet, useShortcuts } from '../components/shortcuts';
import { useChosenLocale } from '../components/locale';

// Areas and the first-run dialog load after the frame has painted, which keeps the shell quick to start.
const AccountsPage = lazy(() =>
  import('../features/accounts/AccountsPage').then((m) => ({ default: m.AccountsPage })),
);
const BatchesPage = lazy(() =>
  import('../features/batches/BatchesPage').then((m) => ({ default: m.BatchesPage })),
);
const AdminPage = lazy(() => import('../features/admin/AdminPage').then((m) => ({ default: m.AdminPage })));
const SuspensePage = lazy(() =>
  import('../features/suspense/SuspensePage').then((m) => ({ default: m.SuspensePage })),
);
const CollectionsPage = lazy(() =>
  import('../features/collections/CollectionsPage').then((m) => ({ default: m.CollectionsPage })),
);
const ApprovalsPage = lazy(() =>
  import('../features/approvals/ApprovalsPage').then((m) => ({ default: m.ApprovalsPage })),
);
const ReportsPage = lazy(() =>
  import('../features/reports/ReportsPage').then((m) => ({ default: m.ReportsPage })),
);
const WelcomeDialog = lazy(() =>
  import('../features/first-run/WelcomeDialog').then((m) => ({ default: m.WelcomeDialog })),
);

const WELCOME_KEY = 'paydesk.welcomeDismissed';

/** True when the first-run offer was dismissed earlier in this window (it is not offered again after a lock
 * or a new sign-in, only in a new window). */
function welcomeDismissedBefore(): boolean {
  try {
    return window.sessionStorage.getItem(WELCOME_KEY) === '1';
  } catch {
    return false;
  }
}

/** Remembers for this window that the first-run offer was dismissed. */
function rememberWelcomeDismissed(): void {
  try {
    window.sessionStorage.setItem(WELCOME_KEY, '1');
  } catch {
    // Without storage the offer simply shows again after the next sign-in.
  }
}

type LastItems = Partial<Record<AreaId, string | null>>;
const LAST_ITEMS_KEY = 'paydesk.lastItems';

/** The last item of each area in this window, kept over a reload. */
function readLastItems(): LastItems {
  try {
    const raw: unknown = JSON.parse(window.sessionStorage.getItem(LAST_ITEMS_KEY) ?? '{}');
    if (typeof raw !== 'object' || raw === null) return {};
    return Object.fromEntries(
      Object.entries(raw).filter(([k, v]) => isAreaId(k) && (typeof v === 'string' || v === null)),
    );
  } catch {
    return {};
  }
}

/** Remembers the last item of each area for this window. */
function saveLastItems(items: LastItems): void {
  try {
    window.sessionStorage.setItem(LAST_ITEMS_KEY, JSON.stringify(items));
  } catch {
    // Without storage the rail still remembers until the next reload.
  }
}

/** The frame: top bar, navigation, current area, status bar and the first-run dialog. */
function Shell({ mode, onToggleMode }: { mode: ThemeMode; onToggleMode: () => void }) {
  const { info, error } = useAppInfo();
  const [route, navigate] = useHashRoute();
  const [welcomeDismissed, setWelcomeDismissed] = useState(welcomeDismissedBefore);
  const [welcomeRequested, setWelcomeRequested] = useState(false);
  const area = AREAS.find((a) => a.id === route.area) ?? AREAS[2];
  const welcomeOpen = info?.isEmpty === true && (!welcomeDismissed || welcomeRequested);

  // The last open item of every area survives a visit to another area (and a reload): the rail returns to it.
  const [lastItems, setLastItems] = useState<LastItems>(() => ({
    ...readLastItems(),
    [route.area]: route.item,
  }));
  if (lastItems[route.area] !== route.item) {
    setLastItems({ ...lastItems, [route.area]: route.item });
  }
  useEffect(() => saveLastItems(lastItems), [lastItems]);
  const openAccountNo = route.area === 'accounts' ? route.item : (lastItems.accounts ?? null);
  const selectArea = useCallback(
    (id: AreaId) => navigate({ area: id, item: lastItems[id] ?? null }),
    [navigate, lastItems],
  );
  const selectAccount = useCallback(
    (accountNo: string) => navigate({ area: 'accounts', item: accountNo }),
    [navigate],
  );
  const openItem = useCallback(
    (area: AreaId) => (item: string | null, options?: NavigateOptions) => navigate({ area, item }, options),
    [navigate],
  );
  const batchId =
    route.area === 'batches' && route.item && /^\d+$/.test(route.item) ? Number(route.item) : null;

  useDialogFirstFieldFocus();
  useShortcuts('Everywhere', [
    ...AREAS.map((a, i) => ({ keys: `Alt+${i + 1}`, label: `Go to ${a.label}` })),
    { keys: 'Ctrl+Shift+L', label: 'Lock the session' },
    { keys: 'F1', label: 'This list of shortcuts (also ? outside a text field)' },
  ]);

  useEffect(() => {
    // Alt+1 … Alt+6 switch areas from anywhere, so the keyboard never has to leave the home row for the mouse.
    const onKey = (e: KeyboardEvent) => {
      if (!e.altKey || e.ctrlKey || e.metaKey || isKeyingEvent(e)) return;
      const index = Number(e.key) - 1;
      const target = AREAS[index];
      if (target) {
        e.preventDefault();
        selectArea(target.id);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [selectArea]);

  return (
    <Box sx={{ height: '100vh', display: 'flex', flexDirection: 'column', bgcolor: 'background.default' }}>
      <TopBar mode={mode} title={area?.label ?? ''} onToggleMode={onToggleMode} />
      {!hasApi() && (
        <Alert severity="error" square>
          Paydesk was opened without its service connection. Start it from the desktop app.
        </Alert>
      )}
      {hasApi() && error && (
        <Alert severity="error" square data-testid="app-error">
          {error}
        </Alert>
      )}
      <Box sx={{ flex: 1, display: 'flex', minHeight: 0 }}>
        <NavRail current={route.area} onSelect={selectArea} />
        <Box component="main" sx={{ flex: 1, minWidth: 0, minHeight: 0 }} data-testid={`area-${route.area}`}>
          <Suspense fallback={<LinearProgress sx={{ height: 2 }} aria-label="Loading" />}>
            {/* Accounts stays mounted while hidden so search text, results and the open account are kept. */}
            <Box sx={{ height: '100%', display: route.area === 'accounts' ? 'block' : 'none' }}>
              <AccountsPage
                active={route.area === 'accounts'}
                accountNo={openAccountNo}
                onSelect={selectAccount}
                onOpenWelcome={() => setWelcomeRequested(true)}
              />
            </Box>
            {route.area === 'batches' && (
              <BatchesPage
                active
                batchId={batchId}
                onOpenBatch={(id, options) => openItem('batches')(id === null ? null : String(id), options)}
              />
            )}
            {route.area === 'admin' && <AdminPage />}
            {route.area === 'suspense' && <SuspensePage item={route.item} onItem={openItem('suspense')} />}
            {route.area === 'collections' && (
              <CollectionsPage item={route.item} onItem={openItem('collections')} />
            )}
            {route.area === 'approvals' && <ApprovalsPage />}
            {route.area === 'reports' && <ReportsPage />}
            {route.area !== 'accounts' &&
              route.area !== 'batches' &&
              route.area !== 'admin' &&
              route.area !== 'suspense' &&
              route.area !== 'collections' &&
              route.area !== 'approvals' &&
              route.area !== 'reports' &&
              area && <ComingSoon area={area} />}
          </Suspense>
        </Box>
      </Box>
      <StatusBar />
      <ShortcutSheet />
      {info?.isEmpty && (
        <Suspense fallback={null}>
          <WelcomeDialog
            open={welcomeOpen}
            onClose={() => {
              rememberWelcomeDismissed();
              setWelcomeDismissed(true);
              setWelcomeRequested(false);
            }}
          />
        </Suspense>
      )}
    </Box>
  );
}

/** The root component: theme (light/dark, remembered), the sign-in gate and app info around the shell. */
export function App() {
  const [mode, setMode] = useState<ThemeMode>(initialThemeMode);
  const theme = useMemo(() => createAppTheme(mode), [mode]);
  const toggle = useCallback(() => {
    const next = mode === 'dark' ? 'light' : 'dark';
    saveThemeMode(next);
    setMode(next);
  }, [mode]);
  // A new locale remounts the signed-in app, so every amount, count and date (memoised formatters and grids
  // included) is written again in it, without a reload and without leaving the sign-in or the query cache.
  const locale = useChosenLocale();
  return (
    <ThemeProvider theme={theme}>
      <CssBaseline enableColorScheme />
      <ApiQueryProvider>
        <AuthGate>
          <AppInfoProvider key={locale ?? 'system'}>
            <Shell mode={mode} onToggleMode={toggle} />
          </AppInfoProvider>
        </AuthGate>
      </ApiQueryProvider>
    </ThemeProvider>
  );
}
