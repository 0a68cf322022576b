CREATE TABLE `refund_item_lines` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`refund_id` integer NOT NULL,
	`item_id` integer NOT NULL,
	`amount_minor` integer NOT NULL,
	FOREIGN KEY (`refund_id`) REFERENCES `refunds`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`item_id`) REFERENCES `bill_items`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `refund_item_lines_refund_idx` ON `refund_item_lines` (`refund_id`);--> statement-breakpoint
CREATE INDEX `refund_item_lines_item_idx` ON `refund_item_lines` (`item_id`);--> statement-breakpoint
CREATE TABLE `refunds` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`source_key` text NOT NULL,
	`batch_id` integer,
	`account_id` integer NOT NULL,
	`pay_type` integer NOT NULL,
	`channel_id` integer DEFAULT 0 NOT NULL,
	`reason_code` integer NOT NULL,
	`amount_minor` integer NOT NULL,
	`currency` text NOT NULL,
	`account_amount_minor` integer NOT NULL,
	`rate_ppm` integer DEFAULT 1000000 NOT NULL,
	`effective_date` text NOT NULL,
	`external_ref` text,
	`payee_name` text,
	`items_closed_minor` integer NOT NULL,
	`credit_used_minor` integer NOT NULL,
	`refund_bill_id` integer,
	`journal_id` integer NOT NULL,
	`created_at` text NOT NULL,
	`operator_id` integer,
	FOREIGN KEY (`batch_id`) REFERENCES `batches`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`currency`) REFERENCES `currencies`(`code`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`refund_bill_id`) REFERENCES `bills`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`journal_id`) REFERENCES `journals`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`operator_id`) REFERENCES `operators`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `refunds_source_key_unique` ON `refunds` (`source_key`);--> statement-breakpoint
CREATE INDEX `refunds_account_idx` ON `refunds` (`account_id`);--> statement-breakpoint
CREATE INDEX `refunds_batch_idx` ON `refunds` (`batch_id`);--> statement-breakpoint
CREATE TRIGGER `refunds_no_update` BEFORE UPDATE ON `refunds` BEGIN SELECT RAISE(ABORT, 'refunds are append-only'); END;--> statement-breakpoint
CREATE TRIGGER `refunds_no_delete` BEFORE DELETE ON `refunds` BEGIN SELECT RAISE(ABORT, 'refunds are append-only'); END;--> statement-breakpoint
CREATE TRIGGER `refund_item_lines_no_update` BEFORE UPDATE ON `refund_item_lines` BEGIN SELECT RAISE(ABORT, 'refund item lines are append-only'); END;--> statement-breakpoint
CREATE TRIGGER `refund_item_lines_no_delete` BEFORE DELETE ON `refund_item_lines` BEGIN SELECT RAISE(ABORT, 'refund item lines are append-only'); END;
