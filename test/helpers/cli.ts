import { expect } from 'vitest';
import { runCli } from '../../src-main/cli/main';

/** What one CLI invocation printed and its exit code. */
export type CliRun = { code: number; out: string; err: string };

/**
 * A CLI on one ledger file, run in-process through the same entry as `bin/paydesk.cjs`: `cli('--json', 'init')`.
 * The file is read at each call, so a test may set it in `beforeAll`.
 */
export function cliOn(ledgerFile: () => string): (...args: string[]) => Promise<CliRun> {
  return async (...args) => {
    let out = '';
    let err = '';
    const code = await runCli(['node', 'paydesk', '--db', ledgerFile(), ...args], {
      out: (t) => (out += t),
      err: (t) => (err += t),
      isTty: false,
    });
    return { code, out, err };
  };
}

/** stdout as exactly one JSON document. */
export function jsonOf<T>(run: CliRun): T {
  const text = run.out.trim();
  expect(text.split('\n'), run.err).toHaveLength(1);
  return JSON.parse(text) as T;
}
