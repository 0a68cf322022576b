CREATE TABLE `bank_file_items` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`file_id` integer NOT NULL,
	`seq` integer NOT NULL,
	`mandate_id` integer,
	`account_id` integer NOT NULL,
	`bill_id` integer,
	`amount_minor` integer NOT NULL,
	`currency` text NOT NULL,
	`end_to_end_id` text NOT NULL,
	`trace_number` text,
	`payment_info_id` text,
	`seq_type` text,
	`mandate_snapshot_json` text,
	`payment_id` integer,
	`status` text NOT NULL,
	`return_code` text,
	`returned_at` text,
	`return_batch_id` integer,
	FOREIGN KEY (`file_id`) REFERENCES `bank_files_out`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`mandate_id`) REFERENCES `mandates`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`bill_id`) REFERENCES `bills`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`currency`) REFERENCES `currencies`(`code`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`payment_id`) REFERENCES `payments`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`return_batch_id`) REFERENCES `batches`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `bank_file_items_end_to_end_id_unique` ON `bank_file_items` (`end_to_end_id`);--> statement-breakpoint
CREATE INDEX `bank_file_items_file_idx` ON `bank_file_items` (`file_id`,`seq`);--> statement-breakpoint
CREATE INDEX `bank_file_items_trace_idx` ON `bank_file_items` (`trace_number`);--> statement-breakpoint
CREATE INDEX `bank_file_items_bill_idx` ON `bank_file_items` (`bill_id`,`status`);--> statement-breakpoint
CREATE UNIQUE INDEX `bank_file_items_live_bill_idx` ON `bank_file_items` (`bill_id`) WHERE status = 'sent' AND bill_id IS NOT NULL;--> statement-breakpoint
CREATE INDEX `bank_file_items_payment_idx` ON `bank_file_items` (`payment_id`);--> statement-breakpoint
CREATE TABLE `bank_files_out` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text NOT NULL,
	`scheme` text NOT NULL,
	`format` text NOT NULL,
	`creditor_id` integer NOT NULL,
	`collection_date` text NOT NULL,
	`currency` text NOT NULL,
	`message_id` text NOT NULL,
	`count` integer NOT NULL,
	`total_minor` integer NOT NULL,
	`sha256` text NOT NULL,
	`path` text,
	`status` text NOT NULL,
	`created_at` text NOT NULL,
	`created_by` integer,
	`sent_at` text,
	`sent_by` integer,
	`cancelled_at` text,
	`cancelled_by` integer,
	`run_key` text NOT NULL,
	FOREIGN KEY (`creditor_id`) REFERENCES `creditors`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`currency`) REFERENCES `currencies`(`code`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`created_by`) REFERENCES `operators`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`sent_by`) REFERENCES `operators`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`cancelled_by`) REFERENCES `operators`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `bank_files_out_message_id_unique` ON `bank_files_out` (`message_id`);--> statement-breakpoint
CREATE INDEX `bank_files_out_status_idx` ON `bank_files_out` (`status`,`collection_date`);--> statement-breakpoint
CREATE TABLE `bank_returns` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`return_key` text NOT NULL,
	`batch_id` integer NOT NULL,
	`entry_seq` integer NOT NULL,
	`file_item_id` integer,
	`payment_id` integer,
	`kind` text NOT NULL,
	`bank_code` text NOT NULL,
	`bank_text` text,
	`rejection_code` text,
	`source_format` text NOT NULL,
	`source_sha256` text,
	`status` text NOT NULL,
	`created_at` text NOT NULL,
	`applied_at` text,
	FOREIGN KEY (`batch_id`) REFERENCES `batches`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`file_item_id`) REFERENCES `bank_file_items`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`payment_id`) REFERENCES `payments`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `bank_returns_return_key_unique` ON `bank_returns` (`return_key`);--> statement-breakpoint
CREATE INDEX `bank_returns_batch_idx` ON `bank_returns` (`batch_id`,`entry_seq`);--> statement-breakpoint
CREATE TABLE `creditors` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`code` text NOT NULL,
	`scheme` text NOT NULL,
	`name` text NOT NULL,
	`identifier` text NOT NULL,
	`currency` text NOT NULL,
	`iban` text,
	`bic` text,
	`routing_no` text,
	`account_no` text,
	`destination_routing` text,
	`destination_name` text,
	`origin_id` text,
	`origin_name` text,
	`pain_version` text DEFAULT 'pain.008.001.08' NOT NULL,
	`is_default` integer DEFAULT 0 NOT NULL,
	`active` integer DEFAULT 1 NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`currency`) REFERENCES `currencies`(`code`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `creditors_code_unique` ON `creditors` (`code`);--> statement-breakpoint
CREATE TABLE `mandate_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`mandate_id` integer NOT NULL,
	`at` text NOT NULL,
	`kind` text NOT NULL,
	`before_json` text,
	`after_json` text,
	`source` text NOT NULL,
	`code` text,
	`auddis_extract_id` integer,
	`operator_id` integer,
	FOREIGN KEY (`mandate_id`) REFERENCES `mandates`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`operator_id`) REFERENCES `operators`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `mandate_events_mandate_idx` ON `mandate_events` (`mandate_id`,`id`);--> statement-breakpoint
CREATE TABLE `mandates` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`account_id` integer NOT NULL,
	`bill_unit_id` integer,
	`creditor_id` integer NOT NULL,
	`scheme` text NOT NULL,
	`reference` text NOT NULL,
	`type` text DEFAULT 'recurrent' NOT NULL,
	`status` text NOT NULL,
	`signed_on` text NOT NULL,
	`debtor_name` text NOT NULL,
	`iban` text,
	`bic` text,
	`sort_code` text,
	`routing_no` text,
	`account_no` text,
	`account_type` text,
	`sec_code` text,
	`pending_amendment_json` text,
	`first_collected_on` text,
	`last_collected_on` text,
	`collections` integer DEFAULT 0 NOT NULL,
	`cancelled_on` text,
	`cancel_reason` text,
	`version` integer DEFAULT 1 NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`created_by` integer,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`bill_unit_id`) REFERENCES `bill_units`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`creditor_id`) REFERENCES `creditors`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`created_by`) REFERENCES `operators`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `mandates_reference_idx` ON `mandates` (`creditor_id`,`reference`);--> statement-breakpoint
CREATE INDEX `mandates_account_idx` ON `mandates` (`account_id`,`status`);--> statement-breakpoint
CREATE INDEX `mandates_status_idx` ON `mandates` (`status`,`scheme`);