CREATE TABLE `currencies` (
	`code` text PRIMARY KEY NOT NULL,
	`exponent` integer NOT NULL,
	`name` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `exchange_rates` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`from_currency` text NOT NULL,
	`to_currency` text NOT NULL,
	`valid_from` text NOT NULL,
	`rate_ppm` integer NOT NULL,
	FOREIGN KEY (`from_currency`) REFERENCES `currencies`(`code`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`to_currency`) REFERENCES `currencies`(`code`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `exchange_rates_pair_date_idx` ON `exchange_rates` (`from_currency`,`to_currency`,`valid_from`);--> statement-breakpoint
CREATE TABLE `operators` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`login` text NOT NULL,
	`name` text NOT NULL,
	`roles` text NOT NULL,
	`active` integer DEFAULT 1 NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `operators_login_unique` ON `operators` (`login`);--> statement-breakpoint
CREATE TABLE `settings` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `accounts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`account_no` text NOT NULL,
	`account_key` text NOT NULL,
	`name` text NOT NULL,
	`name_key` text NOT NULL,
	`status` text NOT NULL,
	`currency` text NOT NULL,
	`default_pay_type` integer NOT NULL,
	`is_suspense` integer DEFAULT 0 NOT NULL,
	`balance_minor` integer DEFAULT 0 NOT NULL,
	`created_at` text NOT NULL,
	FOREIGN KEY (`currency`) REFERENCES `currencies`(`code`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `accounts_account_no_unique` ON `accounts` (`account_no`);--> statement-breakpoint
CREATE INDEX `accounts_account_key_idx` ON `accounts` (`account_key`);--> statement-breakpoint
CREATE INDEX `accounts_name_key_idx` ON `accounts` (`name_key`);--> statement-breakpoint
CREATE TABLE `bill_items` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`item_no` text NOT NULL,
	`bill_id` integer NOT NULL,
	`account_id` integer NOT NULL,
	`type` text NOT NULL,
	`amount_minor` integer NOT NULL,
	`open_minor` integer NOT NULL,
	`gl_id` integer NOT NULL,
	`status` text NOT NULL,
	FOREIGN KEY (`bill_id`) REFERENCES `bills`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `bill_items_item_no_unique` ON `bill_items` (`item_no`);--> statement-breakpoint
CREATE INDEX `bill_items_bill_idx` ON `bill_items` (`bill_id`);--> statement-breakpoint
CREATE INDEX `bill_items_account_status_idx` ON `bill_items` (`account_id`,`status`);--> statement-breakpoint
CREATE TABLE `bill_units` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`bill_unit_no` text NOT NULL,
	`account_id` integer NOT NULL,
	`name` text NOT NULL,
	`accounting_type` text NOT NULL,
	`pay_type` integer NOT NULL,
	`payment_term` text NOT NULL,
	`paying` integer DEFAULT 1 NOT NULL,
	`parent_bill_unit_id` integer,
	`is_default` integer DEFAULT 0 NOT NULL,
	`bill_cycle_day` integer DEFAULT 1 NOT NULL,
	`next_bill_date` text,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `bill_units_bill_unit_no_unique` ON `bill_units` (`bill_unit_no`);--> statement-breakpoint
CREATE INDEX `bill_units_account_idx` ON `bill_units` (`account_id`);--> statement-breakpoint
CREATE TABLE `bills` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`bill_no` text NOT NULL,
	`bill_unit_id` integer NOT NULL,
	`account_id` integer NOT NULL,
	`bill_date` text NOT NULL,
	`due_date` text NOT NULL,
	`currency` text NOT NULL,
	`total_minor` integer NOT NULL,
	`amount_due_minor` integer NOT NULL,
	`status` text NOT NULL,
	FOREIGN KEY (`bill_unit_id`) REFERENCES `bill_units`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`currency`) REFERENCES `currencies`(`code`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `bills_bill_no_unique` ON `bills` (`bill_no`);--> statement-breakpoint
CREATE INDEX `bills_account_status_due_idx` ON `bills` (`account_id`,`status`,`due_date`);--> statement-breakpoint
CREATE INDEX `bills_bill_unit_idx` ON `bills` (`bill_unit_id`);--> statement-breakpoint
CREATE TABLE `audit_log` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`at` text NOT NULL,
	`operator_id` integer,
	`action` text NOT NULL,
	`entity` text NOT NULL,
	`entity_id` text,
	`before` text,
	`after` text,
	`reason_code` integer,
	FOREIGN KEY (`operator_id`) REFERENCES `operators`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `audit_log_entity_idx` ON `audit_log` (`entity`,`entity_id`);--> statement-breakpoint
CREATE TABLE `imported_files` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text NOT NULL,
	`sha256` text NOT NULL,
	`file_name` text NOT NULL,
	`imported_at` text NOT NULL,
	`audit_id` integer NOT NULL,
	FOREIGN KEY (`audit_id`) REFERENCES `audit_log`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `journal_lines` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`journal_id` integer NOT NULL,
	`gl_account` text NOT NULL,
	`account_id` integer,
	`amount_minor` integer NOT NULL,
	`currency` text NOT NULL,
	FOREIGN KEY (`journal_id`) REFERENCES `journals`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `journal_lines_journal_idx` ON `journal_lines` (`journal_id`);--> statement-breakpoint
CREATE INDEX `journal_lines_account_idx` ON `journal_lines` (`account_id`);--> statement-breakpoint
CREATE TABLE `journals` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text NOT NULL,
	`at` text NOT NULL,
	`effective_date` text NOT NULL,
	`idem_key` text,
	`audit_id` integer NOT NULL,
	`reason_code` integer,
	`gl_id` integer,
	FOREIGN KEY (`audit_id`) REFERENCES `audit_log`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `journals_idem_key_unique` ON `journals` (`idem_key`);--> statement-breakpoint
CREATE INDEX `journals_audit_idx` ON `journals` (`audit_id`);--> statement-breakpoint
CREATE TABLE `allocations` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`payment_id` integer NOT NULL,
	`account_id` integer NOT NULL,
	`bill_id` integer,
	`item_id` integer,
	`amount_minor` integer NOT NULL,
	`rate_ppm` integer DEFAULT 1000000 NOT NULL,
	`reverses_allocation_id` integer,
	`created_at` text NOT NULL,
	`operator_id` integer,
	FOREIGN KEY (`payment_id`) REFERENCES `payments`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`bill_id`) REFERENCES `bills`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`item_id`) REFERENCES `bill_items`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`operator_id`) REFERENCES `operators`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `allocations_payment_idx` ON `allocations` (`payment_id`);--> statement-breakpoint
CREATE INDEX `allocations_item_idx` ON `allocations` (`item_id`);--> statement-breakpoint
CREATE INDEX `allocations_bill_idx` ON `allocations` (`bill_id`);--> statement-breakpoint
CREATE TABLE `batch_entries` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`batch_id` integer NOT NULL,
	`seq` integer NOT NULL,
	`entry_key` text NOT NULL,
	`source_line` integer,
	`account_no` text,
	`bill_no` text,
	`amount_text` text,
	`amount_minor` integer,
	`payment_date` text,
	`check_no` text,
	`payer_name` text,
	`reference` text,
	`channel_id` integer,
	`payment_ref` integer,
	`custom_json` text,
	`status` text NOT NULL,
	`reason_code` integer,
	`problem` text,
	`problem_column` text,
	`manual_suspend` integer DEFAULT 0 NOT NULL,
	`allocation_json` text,
	`account_id` integer,
	`posted_payment_id` integer,
	FOREIGN KEY (`batch_id`) REFERENCES `batches`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `batch_entries_entry_key_unique` ON `batch_entries` (`entry_key`);--> statement-breakpoint
CREATE INDEX `batch_entries_batch_seq_idx` ON `batch_entries` (`batch_id`,`seq`);--> statement-breakpoint
CREATE INDEX `batch_entries_batch_status_idx` ON `batch_entries` (`batch_id`,`status`,`amount_minor`);--> statement-breakpoint
CREATE TABLE `batches` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`batch_no` text NOT NULL,
	`batch_type` text NOT NULL,
	`pay_type` integer NOT NULL,
	`currency` text NOT NULL,
	`channel_id` integer DEFAULT 0 NOT NULL,
	`allocation_level` text NOT NULL,
	`status` text NOT NULL,
	`lockbox_no` text,
	`batch_date` text NOT NULL,
	`control_count` integer,
	`control_total_minor` integer,
	`note` text,
	`header_json` text,
	`footer_json` text,
	`parent_batch_id` integer,
	`source_file` text,
	`source_sha256` text,
	`template_name` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`validated_at` text,
	`submitted_at` text,
	`created_by` integer,
	FOREIGN KEY (`currency`) REFERENCES `currencies`(`code`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`created_by`) REFERENCES `operators`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `batches_batch_no_unique` ON `batches` (`batch_no`);--> statement-breakpoint
CREATE TABLE `import_templates` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`bank` text,
	`definition` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `import_templates_name_unique` ON `import_templates` (`name`);--> statement-breakpoint
CREATE TABLE `payments` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text NOT NULL,
	`account_id` integer NOT NULL,
	`pay_type` integer NOT NULL,
	`channel_id` integer DEFAULT 0 NOT NULL,
	`status` integer NOT NULL,
	`reason_code` integer DEFAULT 0 NOT NULL,
	`amount_minor` integer NOT NULL,
	`currency` text NOT NULL,
	`account_amount_minor` integer NOT NULL,
	`rate_ppm` integer DEFAULT 1000000 NOT NULL,
	`effective_date` text NOT NULL,
	`external_ref` text,
	`bill_no` text,
	`account_hint` text,
	`action_owner` integer,
	`payer_name` text,
	`batch_id` integer,
	`source_key` text,
	`parent_payment_id` integer,
	`journal_id` integer NOT NULL,
	`created_at` text NOT NULL,
	`operator_id` integer,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`currency`) REFERENCES `currencies`(`code`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`batch_id`) REFERENCES `batches`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`journal_id`) REFERENCES `journals`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`operator_id`) REFERENCES `operators`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `payments_source_key_unique` ON `payments` (`source_key`);--> statement-breakpoint
CREATE INDEX `payments_account_date_idx` ON `payments` (`account_id`,`effective_date`);--> statement-breakpoint
CREATE INDEX `payments_batch_idx` ON `payments` (`batch_id`);--> statement-breakpoint
CREATE TABLE `reversals` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`payment_id` integer NOT NULL,
	`reason_code` integer NOT NULL,
	`journal_id` integer NOT NULL,
	`created_at` text NOT NULL,
	`operator_id` integer,
	FOREIGN KEY (`payment_id`) REFERENCES `payments`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`journal_id`) REFERENCES `journals`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`operator_id`) REFERENCES `operators`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `reversals_payment_id_unique` ON `reversals` (`payment_id`);--> statement-breakpoint
INSERT INTO `currencies` (`code`, `exponent`, `name`) VALUES
  ('USD', 2, 'US Dollar'), ('EUR', 2, 'Euro'), ('GBP', 2, 'Pound Sterling'), ('CAD', 2, 'Canadian Dollar'),
  ('CHF', 2, 'Swiss Franc'), ('AUD', 2, 'Australian Dollar'), ('SEK', 2, 'Swedish Krona'), ('JPY', 0, 'Yen'),
  ('KWD', 3, 'Kuwaiti Dinar'), ('BHD', 3, 'Bahraini Dinar');
--> statement-breakpoint
INSERT INTO `accounts` (`account_no`, `account_key`, `name`, `name_key`, `status`, `currency`, `default_pay_type`, `is_suspense`, `balance_minor`, `created_at`)
  VALUES ('SUSPENSE', 'SUSPENSE', 'Payment Suspense', 'payment suspense', 'active', 'USD', 0, 1, 0, '1970-01-01T00:00:00.000Z');
--> statement-breakpoint
CREATE VIRTUAL TABLE `accounts_fts` USING fts5(`account_no`, `name`, content='accounts', content_rowid='id', tokenize='trigram');
--> statement-breakpoint
INSERT INTO `accounts_fts` (`accounts_fts`) VALUES ('rebuild');
--> statement-breakpoint
CREATE TRIGGER `accounts_fts_ai` AFTER INSERT ON `accounts` BEGIN
  INSERT INTO `accounts_fts` (rowid, `account_no`, `name`) VALUES (new.`id`, new.`account_no`, new.`name`);
END;
--> statement-breakpoint
CREATE TRIGGER `accounts_fts_ad` AFTER DELETE ON `accounts` BEGIN
  INSERT INTO `accounts_fts` (`accounts_fts`, rowid, `account_no`, `name`) VALUES ('delete', old.`id`, old.`account_no`, old.`name`);
END;
--> statement-breakpoint
CREATE TRIGGER `accounts_fts_au` AFTER UPDATE OF `account_no`, `name` ON `accounts` BEGIN
  INSERT INTO `accounts_fts` (`accounts_fts`, rowid, `account_no`, `name`) VALUES ('delete', old.`id`, old.`account_no`, old.`name`);
  INSERT INTO `accounts_fts` (rowid, `account_no`, `name`) VALUES (new.`id`, new.`account_no`, new.`name`);
END;
--> statement-breakpoint
CREATE TRIGGER `audit_log_no_update` BEFORE UPDATE ON `audit_log` BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
--> statement-breakpoint
CREATE TRIGGER `audit_log_no_delete` BEFORE DELETE ON `audit_log` BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
--> statement-breakpoint
CREATE TRIGGER `journals_no_update` BEFORE UPDATE ON `journals` BEGIN SELECT RAISE(ABORT, 'journals are append-only'); END;
--> statement-breakpoint
CREATE TRIGGER `journals_no_delete` BEFORE DELETE ON `journals` BEGIN SELECT RAISE(ABORT, 'journals are append-only'); END;
--> statement-breakpoint
CREATE TRIGGER `journal_lines_no_update` BEFORE UPDATE ON `journal_lines` BEGIN SELECT RAISE(ABORT, 'journal lines are append-only'); END;
--> statement-breakpoint
CREATE TRIGGER `journal_lines_no_delete` BEFORE DELETE ON `journal_lines` BEGIN SELECT RAISE(ABORT, 'journal lines are append-only'); END;
--> statement-breakpoint
CREATE TRIGGER `allocations_no_update` BEFORE UPDATE ON `allocations` BEGIN SELECT RAISE(ABORT, 'allocations are append-only'); END;
--> statement-breakpoint
CREATE TRIGGER `allocations_no_delete` BEFORE DELETE ON `allocations` BEGIN SELECT RAISE(ABORT, 'allocations are append-only'); END;
--> statement-breakpoint
CREATE TRIGGER `reversals_no_update` BEFORE UPDATE ON `reversals` BEGIN SELECT RAISE(ABORT, 'reversals are append-only'); END;
--> statement-breakpoint
CREATE TRIGGER `reversals_no_delete` BEFORE DELETE ON `reversals` BEGIN SELECT RAISE(ABORT, 'reversals are append-only'); END;
--> statement-breakpoint
CREATE TRIGGER `payments_no_delete` BEFORE DELETE ON `payments` BEGIN SELECT RAISE(ABORT, 'payments are never deleted; reverse them'); END;
--> statement-breakpoint
CREATE TRIGGER `payments_money_frozen` BEFORE UPDATE OF `amount_minor`, `currency`, `account_id`, `journal_id` ON `payments` BEGIN SELECT RAISE(ABORT, 'a posted payment''s amount, currency and account never change; reverse it'); END;
