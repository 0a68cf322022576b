CREATE TABLE `suspense_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`root_id` integer NOT NULL,
	`payment_id` integer NOT NULL,
	`at` text NOT NULL,
	`operator_id` integer,
	`action` text NOT NULL,
	`reason_code` integer,
	`amount_minor` integer,
	`currency` text,
	`detail` text,
	`audit_id` integer,
	FOREIGN KEY (`operator_id`) REFERENCES `operators`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `suspense_events_root_idx` ON `suspense_events` (`root_id`,`id`);--> statement-breakpoint
CREATE INDEX `suspense_events_payment_idx` ON `suspense_events` (`payment_id`);--> statement-breakpoint
CREATE TABLE `suspense_queue` (
	`payment_id` integer PRIMARY KEY NOT NULL,
	`root_id` integer NOT NULL,
	`state` text NOT NULL,
	`failed` integer DEFAULT 0 NOT NULL,
	`currency` text NOT NULL,
	`amount_minor` integer NOT NULL,
	`effective_date` text NOT NULL,
	`entered_on` text NOT NULL,
	`reason_code` integer NOT NULL,
	`action_owner` integer,
	`account_hint` text,
	`bill_no` text,
	`payer_name` text,
	`external_ref` text,
	`batch_id` integer,
	`lockbox_no` text,
	`channel_id` integer NOT NULL,
	`pay_type` integer NOT NULL,
	`closed_at` text,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `suspense_queue_state_entered_idx` ON `suspense_queue` (`state`,`entered_on`,`payment_id`);--> statement-breakpoint
CREATE INDEX `suspense_queue_state_received_idx` ON `suspense_queue` (`state`,`effective_date`,`payment_id`);--> statement-breakpoint
CREATE INDEX `suspense_queue_state_amount_idx` ON `suspense_queue` (`state`,`amount_minor`,`payment_id`);--> statement-breakpoint
CREATE INDEX `suspense_queue_state_owner_idx` ON `suspense_queue` (`state`,`action_owner`,`entered_on`);--> statement-breakpoint
CREATE INDEX `suspense_queue_state_reason_idx` ON `suspense_queue` (`state`,`reason_code`,`entered_on`);--> statement-breakpoint
CREATE INDEX `suspense_queue_entered_idx` ON `suspense_queue` (`entered_on`,`payment_id`);--> statement-breakpoint
CREATE INDEX `suspense_queue_received_idx` ON `suspense_queue` (`effective_date`,`payment_id`);--> statement-breakpoint
CREATE INDEX `suspense_queue_amount_idx` ON `suspense_queue` (`amount_minor`,`payment_id`);--> statement-breakpoint
CREATE INDEX `suspense_queue_root_idx` ON `suspense_queue` (`root_id`);--> statement-breakpoint
CREATE INDEX `suspense_queue_batch_idx` ON `suspense_queue` (`batch_id`);--> statement-breakpoint
CREATE INDEX `suspense_queue_lockbox_idx` ON `suspense_queue` (`lockbox_no`);--> statement-breakpoint
CREATE TABLE `suspense_saved_searches` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`operator_id` integer NOT NULL,
	`name` text NOT NULL,
	`filters` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`operator_id`) REFERENCES `operators`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `suspense_saved_searches_name_idx` ON `suspense_saved_searches` (`operator_id`,`name`);--> statement-breakpoint
CREATE INDEX IF NOT EXISTS `suspense_queue_hint_nocase_idx` ON `suspense_queue` (`account_hint` COLLATE NOCASE);
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS `suspense_queue_bill_nocase_idx` ON `suspense_queue` (`bill_no` COLLATE NOCASE);
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS `payments_parent_payment_idx` ON `payments` (`parent_payment_id`);
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS `bills_open_due_amount_idx` ON `bills` (`amount_due_minor`, `due_date`) WHERE `status` = 'open';
--> statement-breakpoint
CREATE VIRTUAL TABLE `suspense_fts` USING fts5(`payer_name`, `external_ref`, content='suspense_queue', content_rowid='payment_id', tokenize='trigram');
--> statement-breakpoint
CREATE TRIGGER `suspense_fts_ai` AFTER INSERT ON `suspense_queue` BEGIN
  INSERT INTO `suspense_fts` (rowid, `payer_name`, `external_ref`) VALUES (new.`payment_id`, new.`payer_name`, new.`external_ref`);
END;
--> statement-breakpoint
CREATE TRIGGER `suspense_fts_au` AFTER UPDATE OF `payer_name`, `external_ref` ON `suspense_queue` BEGIN
  INSERT INTO `suspense_fts` (`suspense_fts`, rowid, `payer_name`, `external_ref`) VALUES ('delete', old.`payment_id`, old.`payer_name`, old.`external_ref`);
  INSERT INTO `suspense_fts` (rowid, `payer_name`, `external_ref`) VALUES (new.`payment_id`, new.`payer_name`, new.`external_ref`);
END;
--> statement-breakpoint
CREATE TRIGGER `suspense_fts_ad` AFTER DELETE ON `suspense_queue` BEGIN
  INSERT INTO `suspense_fts` (`suspense_fts`, rowid, `payer_name`, `external_ref`) VALUES ('delete', old.`payment_id`, old.`payer_name`, old.`external_ref`);
END;
--> statement-breakpoint
CREATE TRIGGER `suspense_queue_from_payment` AFTER INSERT ON `payments` WHEN new.`kind` IN ('suspended', 'recycled') BEGIN
  INSERT INTO `suspense_queue` (`payment_id`, `root_id`, `state`, `failed`, `currency`, `amount_minor`, `effective_date`, `entered_on`,
    `reason_code`, `action_owner`, `account_hint`, `bill_no`, `payer_name`, `external_ref`, `batch_id`, `lockbox_no`, `channel_id`, `pay_type`, `updated_at`)
  VALUES (new.`id`, new.`id`, CASE WHEN new.`kind` = 'recycled' THEN 'recycled' ELSE 'suspended' END, new.`status` BETWEEN 30 AND 44,
    new.`currency`, new.`amount_minor`, new.`effective_date`, substr(new.`created_at`, 1, 10), new.`reason_code`, new.`action_owner`,
    new.`account_hint`, new.`bill_no`, new.`payer_name`, new.`external_ref`, new.`batch_id`,
    (SELECT `lockbox_no` FROM `batches` WHERE `id` = new.`batch_id`), new.`channel_id`, new.`pay_type`, new.`created_at`);
END;
--> statement-breakpoint
CREATE TRIGGER `suspense_queue_failed_status` AFTER UPDATE OF `status` ON `payments` WHEN new.`kind` IN ('suspended', 'recycled') BEGIN
  UPDATE `suspense_queue` SET `failed` = (new.`status` BETWEEN 30 AND 44) WHERE `payment_id` = new.`id`;
END;
--> statement-breakpoint
CREATE TRIGGER `suspense_events_no_update` BEFORE UPDATE ON `suspense_events` BEGIN SELECT RAISE(ABORT, 'suspense_events is append-only'); END;
--> statement-breakpoint
CREATE TRIGGER `suspense_events_no_delete` BEFORE DELETE ON `suspense_events` BEGIN SELECT RAISE(ABORT, 'suspense_events is append-only'); END;
--> statement-breakpoint
INSERT INTO `suspense_queue` (`payment_id`, `root_id`, `state`, `failed`, `currency`, `amount_minor`, `effective_date`, `entered_on`,
    `reason_code`, `action_owner`, `account_hint`, `bill_no`, `payer_name`, `external_ref`, `batch_id`, `lockbox_no`, `channel_id`, `pay_type`, `updated_at`)
  SELECT p.`id`, p.`id`, CASE WHEN EXISTS (SELECT 1 FROM `reversals` r WHERE r.`payment_id` = p.`id`) THEN 'reversed'
                              WHEN p.`kind` = 'recycled' THEN 'recycled' ELSE 'suspended' END,
    p.`status` BETWEEN 30 AND 44, p.`currency`, p.`amount_minor`, p.`effective_date`, substr(p.`created_at`, 1, 10), p.`reason_code`,
    p.`action_owner`, p.`account_hint`, p.`bill_no`, p.`payer_name`, p.`external_ref`, p.`batch_id`,
    (SELECT b.`lockbox_no` FROM `batches` b WHERE b.`id` = p.`batch_id`), p.`channel_id`, p.`pay_type`, p.`created_at`
  FROM `payments` p WHERE p.`kind` IN ('suspended', 'recycled') AND p.`id` NOT IN (SELECT `payment_id` FROM `suspense_queue`);
