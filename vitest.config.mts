import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: 2,
    // CLI tests sign in like a nightly job would: a login (PAYDESK_OPERATOR or --operator) with this password;
    // `paydesk init` makes the first admin with it. Tests about sign-in itself unset or change it.
    // PAYDESK_STRICT_WRITES: a command that writes to the ledger without declaring it fails (see dispatch).
    env: { PAYDESK_QUIET: '1', PAYDESK_PASSWORD: 'paydesk test password', PAYDESK_STRICT_WRITES: '1' },
  },
});
