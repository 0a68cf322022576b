ALTER TABLE `batch_entries` ADD `problems_json` text;--> statement-breakpoint
ALTER TABLE `batch_entries` ADD `currency` text;