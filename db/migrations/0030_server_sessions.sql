CREATE TABLE `server_sessions` (
	`key` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`operator_id` integer NOT NULL,
	`locked` integer DEFAULT 0 NOT NULL,
	`created_at_ms` integer NOT NULL,
	`last_seen_ms` integer NOT NULL,
	`expires_at_ms` integer,
	FOREIGN KEY (`operator_id`) REFERENCES `operators`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `server_sessions_kind_idx` ON `server_sessions` (`kind`,`last_seen_ms`);