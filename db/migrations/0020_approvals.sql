CREATE TABLE `approval_policies` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`operation` text NOT NULL,
	`currency` text DEFAULT '*' NOT NULL,
	`above` text DEFAULT '0' NOT NULL,
	`requirement` text NOT NULL,
	`role` text,
	`updated_by` integer,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`updated_by`) REFERENCES `operators`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `approval_policies_op_currency_uq` ON `approval_policies` (`operation`,`currency`);--> statement-breakpoint
CREATE TABLE `approvals` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`operation` text NOT NULL,
	`command` text NOT NULL,
	`input_json` text NOT NULL,
	`payload_hash` text NOT NULL,
	`amounts_json` text NOT NULL,
	`description` text NOT NULL,
	`requirement` text NOT NULL,
	`role` text,
	`status` text DEFAULT 'pending' NOT NULL,
	`prepared_by` integer NOT NULL,
	`prepared_roles` text NOT NULL,
	`created_at` text NOT NULL,
	`expires_at` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`decided_by` integer,
	`decided_at` text,
	`reason` text,
	`outcome` text,
	FOREIGN KEY (`prepared_by`) REFERENCES `operators`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`decided_by`) REFERENCES `operators`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `approvals_status_idx` ON `approvals` (`status`,`expires_at`);--> statement-breakpoint
CREATE INDEX `approvals_prepared_by_idx` ON `approvals` (`prepared_by`);