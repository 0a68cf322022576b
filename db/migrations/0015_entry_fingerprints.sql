ALTER TABLE `batch_entries` ADD `fingerprint` text;--> statement-breakpoint
ALTER TABLE `batch_entries` ADD `duplicate_of_entry_id` integer;--> statement-breakpoint
ALTER TABLE `batch_entries` ADD `duplicate_of_payment_id` integer;--> statement-breakpoint
ALTER TABLE `batch_entries` ADD `duplicate_release_code` integer;--> statement-breakpoint
ALTER TABLE `batch_entries` ADD `duplicate_release_note` text;--> statement-breakpoint
CREATE INDEX `batch_entries_fingerprint_idx` ON `batch_entries` (`fingerprint`);