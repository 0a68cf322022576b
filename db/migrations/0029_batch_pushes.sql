CREATE TABLE `batch_origins` (
	`origin_ledger` text NOT NULL,
	`origin_batch_id` integer NOT NULL,
	`origin_batch_no` text NOT NULL,
	`batch_id` integer NOT NULL,
	`content_sha256` text NOT NULL,
	`created_at` text NOT NULL,
	PRIMARY KEY(`origin_ledger`, `origin_batch_id`),
	FOREIGN KEY (`batch_id`) REFERENCES `batches`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `batch_pushes` (
	`batch_id` integer PRIMARY KEY NOT NULL,
	`server_url` text NOT NULL,
	`server_batch_id` integer NOT NULL,
	`server_batch_no` text NOT NULL,
	`pushed_at` text NOT NULL,
	`operator_id` integer,
	FOREIGN KEY (`batch_id`) REFERENCES `batches`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `ledger_identity` (
	`id` integer PRIMARY KEY NOT NULL,
	`ledger_id` text NOT NULL
);
--> statement-breakpoint
INSERT INTO `ledger_identity` (`id`, `ledger_id`) VALUES (1, lower(hex(randomblob(16))));
