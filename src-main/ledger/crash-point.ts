/**
 * Fault injection for crash-safety tests: with PAYDESK_CRASH_AFTER=N the process kills itself (SIGKILL, no
 * cleanup) at the N-th crash point it passes. Unset, a crash point only counts, which costs one increment.
 */
let passed = 0;
const crashAfter = Number(process.env.PAYDESK_CRASH_AFTER ?? '0') || 0;

// A test can ask a child process how many crash points a full run passes, to choose kill points inside it.
if (process.env.PAYDESK_CRASH_REPORT)
  process.on('exit', () => process.stderr.write(`paydesk-crash-points: ${passed}\n`));

/** Marks a place where a real crash must leave the ledger consistent. */
export function crashPoint(): void {
  passed++;
  if (crashAfter > 0 && passed === crashAfter) process.kill(process.pid, 'SIGKILL');
}

/** How many crash points this process has passed (lets a test pick kill points inside the work). */
export function crashPointsPassed(): number {
  return passed;
}
