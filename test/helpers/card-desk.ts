import { sql } from 'drizzle-orm';
import { processorInsertQuery } from '../../db/repos/processors';
import type { Tx } from '../../db/storage/port';

/**
 * The card desk the processor suites share (issue #17, both databases): the processor `sim` (default, USD merchant
 * Desk), a fixed key prefix so both databases send the same idempotency keys, and USD accounts each with a bill unit,
 * one open 30.00 bill and its item.
 */
export async function seedCardDesk(tx: Tx, accountNos: readonly string[], at: string): Promise<void> {
  await tx.run(
    processorInsertQuery({
      name: 'sim',
      url: 'http://127.0.0.1:9',
      merchantsJson: JSON.stringify({ USD: { merchant: 'Desk', mid: '1234' } }),
      onlineTimeoutMs: 1000,
      batchTimeoutMs: 1000,
      connectRetries: 0,
      heartbeatSec: 30,
      channelId: 0,
      secretEnc: null,
      secretHint: null,
      isDefault: true,
      at,
    }),
  );
  // The prefix is random per ledger; fixed here so both databases send the same keys.
  await tx.run(sql`INSERT INTO settings (key, value) VALUES ('processors.keyPrefix', '"k0"')`);
  for (const no of accountNos)
    await tx.run(
      sql`INSERT INTO accounts (account_no, account_key, name, name_key, status, currency, default_pay_type,
            balance_minor, created_at)
          VALUES (${no}, ${no}, 'Carla', 'carla', 'active', 'USD', 10003, 3000, ${at})`,
    );
  await tx.run(
    sql`INSERT INTO bill_units (bill_unit_no, account_id, name, accounting_type, pay_type, payment_term)
        SELECT 'BU-' || account_no, id, 'Main', 'open_item', 10003, 'NET30' FROM accounts WHERE is_suspense = 0`,
  );
  await tx.run(
    sql`INSERT INTO bills (bill_no, bill_unit_id, account_id, bill_date, due_date, currency, total_minor,
          amount_due_minor, status)
        SELECT 'B-' || a.account_no, u.id, a.id, '2026-11-01', '2026-12-01', 'USD', 3000, 3000, 'open'
        FROM accounts a JOIN bill_units u ON u.account_id = a.id`,
  );
  await tx.run(
    sql`INSERT INTO bill_items (item_no, bill_id, account_id, type, amount_minor, open_minor, gl_id, status)
        SELECT 'I-' || b.bill_no, b.id, b.account_id, 'charge', 3000, 3000, 1, 'open' FROM bills b`,
  );
}
