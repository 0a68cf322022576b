import { useEffect, useRef, useState, useSyncExternalStore } from 'react';
import Box from '@mui/material/Box';
import Dialog from '@mui/material/Dialog';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';

/**
 * One shortcut of a screen. `keys` is how it is written and matched ("Alt+N", "F5", "Ctrl+Shift+E"); with `run`
 * the hook binds it, without it the entry only documents a key handled elsewhere (the grid, a panel's own handler).
 */
export type Shortcut = {
  keys: string;
  label: string;
  run?: () => void;
  /** Off while false: not listed as usable and not bound (the action is not allowed right now). */
  enabled?: boolean;
};

type Registration = { id: number; screen: string; list: readonly Shortcut[] };

let nextId = 1;
let registrations: readonly Registration[] = [];
const listeners = new Set<() => void>();

function publish(next: readonly Registration[]): void {
  registrations = next;
  for (const l of listeners) l();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** True when the event's target takes typed text, where `?` is a character and not a command. */
function inTextField(e: KeyboardEvent): boolean {
  const t = e.target instanceof HTMLElement ? e.target : null;
  if (!t) return false;
  if (t.isContentEditable || t instanceof HTMLTextAreaElement || t instanceof HTMLSelectElement) return true;
  return t instanceof HTMLInputElement && !['checkbox', 'radio', 'button', 'submit'].includes(t.type);
}

/** Whether a key event is the written combination: modifiers exactly, the key by name or (letters, digits) by code. */
export function matchesKeys(e: KeyboardEvent, keys: string): boolean {
  const parts = keys.split('+');
  const key = parts.pop() ?? '';
  const mods = new Set(parts.map((p) => p.toLowerCase()));
  if (mods.has('ctrl') !== (e.ctrlKey || e.metaKey)) return false;
  if (mods.has('alt') !== e.altKey) return false;
  if (mods.has('shift') !== e.shiftKey) return false;
  if (e.key.toLowerCase() === key.toLowerCase()) return true;
  // With Alt, some layouts and systems change e.key (Alt+N types "ñ" on macOS); the physical key still says.
  if (/^[a-z]$/i.test(key)) return e.code === `Key${key.toUpperCase()}`;
  if (/^\d$/.test(key)) return e.code === `Digit${key}`;
  return false;
}

/**
 * Registers a screen's shortcuts for the shortcut sheet (F1 or `?`) and binds those with a `run` while the
 * screen is mounted and `active`. One list per screen keeps the sheet and the bindings from drifting apart.
 */
export function useShortcuts(screen: string, list: readonly Shortcut[], active = true): void {
  const latest = useRef(list);
  useEffect(() => {
    latest.current = list;
  });
  const [id] = useState(() => nextId++);
  // The sheet shows what the screen offers; the entries' text, not their handlers, decide when it changes.
  const signature = JSON.stringify(list.map((s) => [s.keys, s.label, s.enabled ?? true]));
  useEffect(() => {
    if (!active) return;
    publish([...registrations.filter((r) => r.id !== id), { id, screen, list: latest.current }]);
    return () => publish(registrations.filter((r) => r.id !== id));
  }, [id, screen, signature, active]);

  useEffect(() => {
    if (!active) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || document.querySelector('[role="dialog"]')) return;
      const hit = latest.current.find((s) => s.run && s.enabled !== false && matchesKeys(e, s.keys));
      if (!hit?.run) return;
      // Plain keys (F5, letters) typed into a field belong to the field; combinations are always commands.
      if (!e.altKey && !e.ctrlKey && !e.metaKey && !/^F\d+$/.test(hit.keys) && inTextField(e)) return;
      e.preventDefault();
      hit.run();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [active]);
}

/** The shortcut sheet: F1, or `?` outside a text field, lists every shortcut of the screens now shown. */
export function ShortcutSheet() {
  const [open, setOpen] = useState(false);
  const regs = useSyncExternalStore(subscribe, () => registrations);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const f1 = e.key === 'F1' && !e.ctrlKey && !e.altKey && !e.metaKey;
      const question = e.key === '?' && !e.ctrlKey && !e.altKey && !e.metaKey && !inTextField(e);
      if (!f1 && !question) return;
      // F1 would open the browser's help; `?` in a grid cell that is not editing is not text either.
      e.preventDefault();
      setOpen((o) => !o);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  // Screens registered under one name (the app frame and an area) merge, in registration order.
  const screens: { screen: string; list: Shortcut[] }[] = [];
  for (const r of regs) {
    const found = screens.find((s) => s.screen === r.screen);
    if (found) found.list.push(...r.list);
    else screens.push({ screen: r.screen, list: [...r.list] });
  }
  return (
    <Dialog
      open={open}
      onClose={() => setOpen(false)}
      maxWidth="sm"
      fullWidth
      slotProps={{ paper: { 'data-testid': 'shortcut-sheet' } as object }}
    >
      <DialogTitle>Keyboard shortcuts</DialogTitle>
      <DialogContent dividers>
        {screens.map((s) => (
          <Box key={s.screen} sx={{ mb: 2 }} data-testid={`shortcut-screen-${s.screen}`}>
            <Typography variant="overline" color="textSecondary">
              {s.screen}
            </Typography>
            <Table size="small">
              <TableBody>
                {s.list.map((k) => (
                  <TableRow
                    key={`${k.keys}-${k.label}`}
                    data-testid="shortcut-row"
                    sx={{ opacity: k.enabled === false ? 0.5 : 1 }}
                  >
                    <TableCell sx={{ width: 160, minWidth: 160, whiteSpace: 'nowrap' }}>
                      <Box component="kbd" sx={{ fontFamily: 'monospace', fontWeight: 600 }}>
                        {k.keys}
                      </Box>
                    </TableCell>
                    <TableCell sx={{ whiteSpace: 'normal' }}>{k.label}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </Box>
        ))}
        <Typography variant="caption" color="textSecondary">
          F1 or ? opens and closes this sheet.
        </Typography>
      </DialogContent>
    </Dialog>
  );
}
