CREATE TABLE `collect_runs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text NOT NULL,
	`processor_id` integer NOT NULL,
	`window_start` text,
	`window_end` text,
	`options_json` text NOT NULL,
	`status` text NOT NULL,
	`totals_json` text,
	`selected` integer DEFAULT 0 NOT NULL,
	`skipped_json` text,
	`started_at` text NOT NULL,
	`finished_at` text,
	`operator_id` integer,
	FOREIGN KEY (`processor_id`) REFERENCES `processors`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`operator_id`) REFERENCES `operators`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `collection_states` (
	`account_id` integer PRIMARY KEY NOT NULL,
	`retries_used` integer DEFAULT 0 NOT NULL,
	`suspended_until` text,
	`date_policy` text,
	`last_result` integer,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `payment_methods` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`account_id` integer NOT NULL,
	`type` text NOT NULL,
	`token` text NOT NULL,
	`mask` text NOT NULL,
	`brand` text,
	`expiry` text,
	`holder` text,
	`billing_zip` text,
	`routing_no` text,
	`is_default` integer DEFAULT 0 NOT NULL,
	`status` text DEFAULT 'active' NOT NULL,
	`verification` text DEFAULT 'unverified' NOT NULL,
	`avs_code` text,
	`cvv_code` text,
	`verified_at` text,
	`created_at` text NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `payment_methods_account_idx` ON `payment_methods` (`account_id`);--> statement-breakpoint
CREATE TABLE `pending_payments` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`account_id` integer NOT NULL,
	`amount_minor` integer NOT NULL,
	`currency` text NOT NULL,
	`payment_method_id` integer,
	`token` text NOT NULL,
	`mask` text NOT NULL,
	`brand` text,
	`description` text,
	`status` text NOT NULL,
	`expires_at` text NOT NULL,
	`needs_supervisor` integer DEFAULT 0 NOT NULL,
	`cancel_reason` text,
	`txn_id` integer,
	`payment_id` integer,
	`created_at` text NOT NULL,
	`created_by` integer,
	`decided_at` text,
	`decided_by` integer,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`currency`) REFERENCES `currencies`(`code`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`payment_method_id`) REFERENCES `payment_methods`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`txn_id`) REFERENCES `processor_txns`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`payment_id`) REFERENCES `payments`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`created_by`) REFERENCES `operators`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`decided_by`) REFERENCES `operators`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `pending_payments_status_idx` ON `pending_payments` (`status`,`expires_at`);--> statement-breakpoint
CREATE TABLE `processor_txns` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`idem_key` text NOT NULL,
	`processor_id` integer NOT NULL,
	`command` text NOT NULL,
	`run_id` integer,
	`batch_key` text,
	`account_id` integer NOT NULL,
	`bill_id` integer,
	`payment_method_id` integer,
	`token` text,
	`brand` text,
	`merchant` text NOT NULL,
	`amount_minor` integer NOT NULL,
	`currency` text NOT NULL,
	`pay_type` integer NOT NULL,
	`result` integer NOT NULL,
	`avs_code` text,
	`cvv_code` text,
	`auth_code` text,
	`processor_ref` text,
	`related_txn_id` integer,
	`payment_id` integer,
	`fee_bill_id` integer,
	`description` text,
	`created_at` text NOT NULL,
	`settled_at` text,
	`operator_id` integer,
	FOREIGN KEY (`processor_id`) REFERENCES `processors`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`run_id`) REFERENCES `collect_runs`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`bill_id`) REFERENCES `bills`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`payment_method_id`) REFERENCES `payment_methods`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`currency`) REFERENCES `currencies`(`code`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`payment_id`) REFERENCES `payments`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`operator_id`) REFERENCES `operators`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `processor_txns_idem_key_unique` ON `processor_txns` (`idem_key`);--> statement-breakpoint
CREATE INDEX `processor_txns_result_idx` ON `processor_txns` (`result`,`command`);--> statement-breakpoint
CREATE INDEX `processor_txns_bill_idx` ON `processor_txns` (`bill_id`);--> statement-breakpoint
CREATE INDEX `processor_txns_account_idx` ON `processor_txns` (`account_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `processor_txns_token_idx` ON `processor_txns` (`token`,`created_at`);--> statement-breakpoint
CREATE INDEX `processor_txns_run_idx` ON `processor_txns` (`run_id`,`result`);--> statement-breakpoint
CREATE INDEX `processor_txns_batch_idx` ON `processor_txns` (`batch_key`);--> statement-breakpoint
CREATE TABLE `processors` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`kind` text NOT NULL,
	`url` text NOT NULL,
	`merchants_json` text NOT NULL,
	`online_timeout_ms` integer DEFAULT 600000 NOT NULL,
	`batch_timeout_ms` integer DEFAULT 600000 NOT NULL,
	`connect_retries` integer DEFAULT 2 NOT NULL,
	`heartbeat_sec` integer DEFAULT 120 NOT NULL,
	`channel_id` integer DEFAULT 0 NOT NULL,
	`secret_enc` text,
	`secret_hint` text,
	`is_default` integer DEFAULT 0 NOT NULL,
	`health` text DEFAULT 'unknown' NOT NULL,
	`last_heartbeat_at` text,
	`last_latency_ms` integer,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `processors_name_unique` ON `processors` (`name`);--> statement-breakpoint
CREATE TABLE `workflow_items` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`account_id` integer NOT NULL,
	`kind` text NOT NULL,
	`txn_id` integer,
	`message` text NOT NULL,
	`status` text DEFAULT 'open' NOT NULL,
	`created_at` text NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`txn_id`) REFERENCES `processor_txns`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `workflow_items_status_idx` ON `workflow_items` (`status`,`created_at`);