import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command } from 'commander';
import { convertLedgerCopy, isEncryptedLedgerFile, LEDGER_KEY_ENV } from '../../../db/client';
import type { AppError } from '../../../src-shared/api/result';
import { defaultLedgerFile } from '../../paths';
import type { CliKit, GlobalOptions } from '../kit';
import { printError } from '../output';

/** The ledger passphrase the CLI was given (PAYDESK_LEDGER_KEY), or undefined for a plain ledger. */
export function cliLedgerKey(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const key = env[LEDGER_KEY_ENV];
  return key === undefined || key === '' ? undefined : key;
}

/** Why an encryption command cannot run without a passphrase. */
export const NEEDS_KEY = `set ${LEDGER_KEY_ENV} to the ledger passphrase (it is given to SQLCipher's key derivation, never stored)`;

type ConvertedDto = { ledgerFile: string; out: string; encrypted: boolean };

/** `ledger encrypt|decrypt --out FILE`: a converted copy of the ledger file; the original stays untouched. */
export function registerLedgerCommands(kit: CliKit): void {
  const { program, io } = kit;
  // main.ts adds `ledger check` to the same group.
  const ledger =
    program.commands.find((c) => c.name() === 'ledger') ??
    program.command('ledger').description('ledger integrity and encryption');

  const convert = (encrypt: boolean) => (o: { out: string }, cmd: Command) => {
    const opts = cmd.optsWithGlobals<GlobalOptions>();
    const json = Boolean(opts.json);
    const file = opts.db ? resolve(opts.db) : defaultLedgerFile();
    const out = resolve(o.out);
    const key = cliLedgerKey();
    const refuse = (path: string, message: string): void =>
      kit.setExitCode(printError(io, json, { code: 'validation', message, issues: [{ path, message }] }));
    if (key === undefined) return refuse(LEDGER_KEY_ENV, NEEDS_KEY);
    if (!existsSync(file)) return refuse('db', `${file} does not exist`);
    if (out === file) return refuse('out', '--out must name a new file, not the ledger itself');
    // Errors opening either file are LedgerOpenErrors: the CLI maps them like any ledger that cannot be opened.
    convertLedgerCopy(file, out, encrypt ? { toKey: key } : { fromKey: key });
    const value: ConvertedDto = { ledgerFile: file, out, encrypted: encrypt };
    io.out(
      json
        ? JSON.stringify(value) + '\n'
        : `${encrypt ? 'Encrypted' : 'Decrypted'} copy written: ${out} (the original ${file} was not changed)\n`,
    );
  };

  ledger
    .command('encrypt')
    .description(`write an encrypted copy of a plain ledger, keyed with ${LEDGER_KEY_ENV}`)
    .requiredOption('--out <file>', 'the new encrypted ledger file (must not exist)')
    .action(convert(true));
  ledger
    .command('decrypt')
    .description(`write a plain copy of an encrypted ledger opened with ${LEDGER_KEY_ENV}`)
    .requiredOption('--out <file>', 'the new plain ledger file (must not exist)')
    .action(convert(false));
}

/** Why `init --encrypt` cannot create an encrypted ledger at `file` (no key, or a plain ledger already there). */
export function encryptInitRefusal(file: string): AppError | undefined {
  const refuse = (path: string, message: string): AppError => ({
    code: 'validation',
    message,
    issues: [{ path, message }],
  });
  if (cliLedgerKey() === undefined)
    return refuse(LEDGER_KEY_ENV, `init --encrypt needs a passphrase: ${NEEDS_KEY}`);
  if (existsSync(file) && statSync(file).size > 0 && !isEncryptedLedgerFile(file)) {
    return refuse(
      'db',
      `${file} already exists and is not encrypted; write an encrypted copy with \`paydesk ledger encrypt --out FILE\``,
    );
  }
  return undefined;
}
