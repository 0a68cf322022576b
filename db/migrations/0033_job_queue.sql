CREATE TABLE `job_queue` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`kind` text NOT NULL,
	`input` text NOT NULL,
	`operator_id` integer NOT NULL,
	`queued_at` text NOT NULL,
	`state` text NOT NULL,
	`claimed_by` text,
	`claimed_at` text,
	`heartbeat` text,
	`cancel_requested` integer DEFAULT 0 NOT NULL,
	`progress` text,
	`result` text,
	`error` text,
	`attempts` integer DEFAULT 0 NOT NULL,
	`finished_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `job_queue_id_unique` ON `job_queue` (`id`);--> statement-breakpoint
CREATE INDEX `job_queue_state_idx` ON `job_queue` (`state`,`seq`);