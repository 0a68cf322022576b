DROP INDEX `batch_entries_fingerprint_idx`;--> statement-breakpoint
CREATE INDEX `batch_entries_fingerprint_batch_idx` ON `batch_entries` (`fingerprint`,`batch_id`);