import { createInterface } from 'node:readline';
import type { AppError } from '../../src-shared/api/result';

/** Process exit code for each error code, so scripts can branch without parsing JSON. */
export const EXIT_CODES: Record<AppError['code'], number> = {
  validation: 2,
  not_found: 3,
  conflict: 4,
  forbidden: 5,
  processor_declined: 6,
  processor_unavailable: 7,
  unauthenticated: 8,
  approval_required: 9,
  /** 128 + SIGINT, what a shell reports for a job stopped by Ctrl+C. */
  cancelled: 130,
  internal: 1,
};

/**
 * Where CLI output goes; injectable so tests can capture it. `ask` exists only on an interactive terminal:
 * commands that send money ask "Proceed? [y/N]" through it and refuse without it (unless --yes).
 */
export type CliIo = {
  out: (text: string) => void;
  err: (text: string) => void;
  isTty: boolean;
  ask?: ((question: string) => Promise<string>) | undefined;
  /** Asks for a password without echoing it; only on an interactive terminal. */
  askSecret?: ((question: string) => Promise<string>) | undefined;
};

/** Asks one question on the terminal; only when stdin and stderr are terminals (never in pipes or jobs). */
function terminalAsk(): ((question: string) => Promise<string>) | undefined {
  if (!process.stdin.isTTY || !process.stderr.isTTY) return undefined;
  return (question) =>
    new Promise((resolve) => {
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      rl.question(question, (answer) => {
        rl.close();
        resolve(answer);
      });
    });
}

/** Asks for a secret on the terminal without echoing what is typed. */
function terminalAskSecret(): ((question: string) => Promise<string>) | undefined {
  if (!process.stdin.isTTY || !process.stderr.isTTY) return undefined;
  return (question) =>
    new Promise((resolve) => {
      const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
      const mutable = rl as unknown as { _writeToOutput: (s: string) => void };
      process.stderr.write(question);
      mutable._writeToOutput = () => {};
      rl.question('', (answer) => {
        rl.close();
        process.stderr.write('\n');
        resolve(answer);
      });
    });
}

/** The real process streams. */
export const processIo: CliIo = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  isTty: Boolean(process.stderr.isTTY),
  ask: terminalAsk(),
  askSecret: terminalAskSecret(),
};

/** Prints an error: one JSON document on stdout with --json, a readable line on stderr otherwise. */
export function printError(io: CliIo, json: boolean, error: AppError): number {
  if (json) {
    io.out(JSON.stringify({ error }) + '\n');
  } else {
    io.err(`error (${error.code}): ${error.message}\n`);
    if (error.code === 'validation') {
      for (const i of error.issues ?? []) io.err(`  ${i.path}: ${i.message}\n`);
      for (const f of error.fileIssues ?? []) io.err(`  ${f.file}:${f.line} [${f.column}] ${f.reason}\n`);
    }
  }
  return EXIT_CODES[error.code];
}

/** Renders a list of [label, value] pairs as aligned lines. */
export function table(pairs: [string, string | number | null | undefined][]): string {
  const width = Math.max(...pairs.map(([k]) => k.length));
  return pairs.map(([k, v]) => `${k.padEnd(width)}  ${v ?? '-'}`).join('\n') + '\n';
}
