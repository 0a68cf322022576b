-- The insert and delete triggers that keep account stamps and the suspense tally fire once per statement, over the
-- statement's rows, instead of once per row. Per row, a statement of N rows updated one hot row (the key stamp,
-- account 0; a tally row) N times in one transaction: PostgreSQL keeps every version of that row until the
-- transaction ends and each update walks past the earlier ones, so a big load or submit slowed down with the square
-- of its size (a 100,000-account demo load ran for tens of minutes). SQLite updates in place and keeps its triggers.
-- Stamps are only compared for change, so one step per statement means the same as one per row.
CREATE FUNCTION account_stamps_of(ids bigint[]) RETURNS void LANGUAGE sql AS $$
  INSERT INTO account_stamps (account_id, rev)
  SELECT a, 1 FROM (SELECT DISTINCT a FROM unnest(ids) AS u(a) WHERE a IS NOT NULL) d ORDER BY a
  ON CONFLICT (account_id) DO UPDATE SET rev = account_stamps.rev + 1;
$$;
--> statement-breakpoint
CREATE FUNCTION account_stamps_keys_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM new_rows) THEN
    PERFORM account_stamp(0);
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION account_stamps_new_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM account_stamps_of(ARRAY(SELECT account_id FROM new_rows));
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION account_stamps_old_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM account_stamps_of(ARRAY(SELECT account_id FROM old_rows));
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION account_stamps_new_rows_and_keys() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM new_rows) THEN
    PERFORM account_stamps_of(ARRAY(SELECT account_id FROM new_rows) || 0::bigint);
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION account_stamps_old_rows_and_keys() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM old_rows) THEN
    PERFORM account_stamps_of(ARRAY(SELECT account_id FROM old_rows) || 0::bigint);
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
DROP TRIGGER account_stamps_accounts_ai ON accounts;
--> statement-breakpoint
CREATE TRIGGER account_stamps_accounts_ai AFTER INSERT ON accounts REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION account_stamps_keys_rows();
--> statement-breakpoint
DROP TRIGGER account_stamps_bill_units_ai ON bill_units;
--> statement-breakpoint
CREATE TRIGGER account_stamps_bill_units_ai AFTER INSERT ON bill_units REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION account_stamps_new_rows();
--> statement-breakpoint
DROP TRIGGER account_stamps_bill_units_ad ON bill_units;
--> statement-breakpoint
CREATE TRIGGER account_stamps_bill_units_ad AFTER DELETE ON bill_units REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION account_stamps_old_rows();
--> statement-breakpoint
DROP TRIGGER account_stamps_bills_ai ON bills;
--> statement-breakpoint
CREATE TRIGGER account_stamps_bills_ai AFTER INSERT ON bills REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION account_stamps_new_rows_and_keys();
--> statement-breakpoint
DROP TRIGGER account_stamps_bills_ad ON bills;
--> statement-breakpoint
CREATE TRIGGER account_stamps_bills_ad AFTER DELETE ON bills REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION account_stamps_old_rows_and_keys();
--> statement-breakpoint
DROP TRIGGER account_stamps_bill_items_ai ON bill_items;
--> statement-breakpoint
CREATE TRIGGER account_stamps_bill_items_ai AFTER INSERT ON bill_items REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION account_stamps_new_rows();
--> statement-breakpoint
DROP TRIGGER account_stamps_bill_items_ad ON bill_items;
--> statement-breakpoint
CREATE TRIGGER account_stamps_bill_items_ad AFTER DELETE ON bill_items REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION account_stamps_old_rows();
--> statement-breakpoint
-- The tally's rows are keyed by state, currency, owner, reason and day: a submit's suspense entries mostly share one
-- key, so they are summed per key and each key's row is written once per statement.
CREATE FUNCTION suspense_tally_rows_ai() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO suspense_tally (state, currency, owner, reason_code, entered_on, count, amount_minor)
  SELECT state, currency, coalesce(action_owner, -1), reason_code, entered_on, count(*), sum(amount_minor)::bigint
  FROM new_rows GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
  ON CONFLICT (state, currency, owner, reason_code, entered_on)
  DO UPDATE SET count = suspense_tally.count + excluded.count, amount_minor = suspense_tally.amount_minor + excluded.amount_minor;
  RETURN NULL;
END $$;
--> statement-breakpoint
-- An update moves each changed row's count and amount from its old key to its new one; keys whose figures net to
-- nothing are not written (an update that leaves the tallied columns alone writes no tally row).
CREATE FUNCTION suspense_tally_rows_au() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO suspense_tally (state, currency, owner, reason_code, entered_on, count, amount_minor)
  SELECT state, currency, owner, reason_code, entered_on, sum(n)::bigint, sum(amount)::bigint
  FROM (
    SELECT state, currency, coalesce(action_owner, -1) AS owner, reason_code, entered_on, -1 AS n, -amount_minor AS amount
    FROM old_rows
    UNION ALL
    SELECT state, currency, coalesce(action_owner, -1), reason_code, entered_on, 1, amount_minor
    FROM new_rows
  ) d
  GROUP BY 1, 2, 3, 4, 5 HAVING sum(n) <> 0 OR sum(amount) <> 0 ORDER BY 1, 2, 3, 4, 5
  ON CONFLICT (state, currency, owner, reason_code, entered_on)
  DO UPDATE SET count = suspense_tally.count + excluded.count, amount_minor = suspense_tally.amount_minor + excluded.amount_minor;
  RETURN NULL;
END $$;
--> statement-breakpoint
DROP TRIGGER suspense_tally_ai ON suspense_queue;
--> statement-breakpoint
CREATE TRIGGER suspense_tally_ai AFTER INSERT ON suspense_queue REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION suspense_tally_rows_ai();
--> statement-breakpoint
DROP TRIGGER suspense_tally_au ON suspense_queue;
--> statement-breakpoint
CREATE TRIGGER suspense_tally_au AFTER UPDATE ON suspense_queue REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION suspense_tally_rows_au();
--> statement-breakpoint
-- A suspended or recycled payment opens its suspense case; a set-based submit inserts its payments in one
-- statement, so their cases are one statement too (and the tally above sums them once).
CREATE FUNCTION suspense_queue_from_payments() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO suspense_queue (payment_id, root_id, state, failed, currency, amount_minor, effective_date, entered_on,
    reason_code, action_owner, account_hint, bill_no, payer_name, external_ref, batch_id, lockbox_no, channel_id, pay_type, updated_at)
  SELECT p.id, p.id, CASE WHEN p.kind = 'recycled' THEN 'recycled' ELSE 'suspended' END,
    CASE WHEN p.status BETWEEN 30 AND 44 THEN 1 ELSE 0 END,
    p.currency, p.amount_minor, p.effective_date, substr(p.created_at, 1, 10), p.reason_code, p.action_owner,
    p.account_hint, p.bill_no, p.payer_name, p.external_ref, p.batch_id, b.lockbox_no, p.channel_id, p.pay_type, p.created_at
  FROM new_rows p LEFT JOIN batches b ON b.id = p.batch_id
  WHERE p.kind IN ('suspended', 'recycled')
  ORDER BY p.id;
  RETURN NULL;
END $$;
--> statement-breakpoint
DROP TRIGGER suspense_queue_from_payment ON payments;
--> statement-breakpoint
CREATE TRIGGER suspense_queue_from_payment AFTER INSERT ON payments REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION suspense_queue_from_payments();
--> statement-breakpoint
DROP FUNCTION suspense_queue_from_payment(), suspense_tally_ai(), suspense_tally_au(), account_stamps_accounts_ai(),
  account_stamps_new_and_keys(), account_stamps_old(), account_stamps_old_and_keys();
