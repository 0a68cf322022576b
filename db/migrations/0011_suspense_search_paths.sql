ALTER TABLE `suspense_queue` ADD `payer_sort` text GENERATED ALWAYS AS (coalesce(payer_name, '')) VIRTUAL;--> statement-breakpoint
CREATE INDEX `suspense_queue_lockbox_cover_idx` ON `suspense_queue` (`lockbox_no`,`channel_id`,`pay_type`,`active`,`entered_on`,`payment_id`,`currency`,`action_owner`,`amount_minor`);--> statement-breakpoint
CREATE INDEX `suspense_queue_active_owner_reason_idx` ON `suspense_queue` (`active`,`action_owner`,`reason_code`,`entered_on`,`payment_id`,`currency`,`amount_minor`);--> statement-breakpoint
CREATE INDEX `suspense_queue_state_payer_idx` ON `suspense_queue` (`state`,`payer_sort`,`payment_id`);--> statement-breakpoint
CREATE INDEX `suspense_queue_active_payer_idx` ON `suspense_queue` (`active`,`payer_sort`,`payment_id`);