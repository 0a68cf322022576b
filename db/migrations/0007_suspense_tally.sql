CREATE TABLE `suspense_tally` (
	`state` text NOT NULL,
	`currency` text NOT NULL,
	`owner` integer NOT NULL,
	`reason_code` integer NOT NULL,
	`entered_on` text NOT NULL,
	`count` integer NOT NULL,
	`amount_minor` integer NOT NULL,
	PRIMARY KEY(`state`, `currency`, `owner`, `reason_code`, `entered_on`)
);
--> statement-breakpoint
CREATE INDEX `suspense_tally_entered_idx` ON `suspense_tally` (`entered_on`);--> statement-breakpoint
ALTER TABLE `suspense_queue` ADD `active` integer GENERATED ALWAYS AS ((state IN ('suspended', 'partial', 'recycled'))) VIRTUAL;--> statement-breakpoint
CREATE INDEX `suspense_queue_active_entered_idx` ON `suspense_queue` (`active`,`entered_on`,`payment_id`);--> statement-breakpoint
CREATE INDEX `suspense_queue_active_received_idx` ON `suspense_queue` (`active`,`effective_date`,`payment_id`);--> statement-breakpoint
CREATE INDEX `suspense_queue_active_amount_idx` ON `suspense_queue` (`active`,`amount_minor`,`payment_id`);--> statement-breakpoint
CREATE INDEX `suspense_queue_active_owner_idx` ON `suspense_queue` (`active`,`action_owner`,`entered_on`,`payment_id`);--> statement-breakpoint
CREATE INDEX `suspense_queue_active_reason_idx` ON `suspense_queue` (`active`,`reason_code`,`entered_on`,`payment_id`);--> statement-breakpoint
CREATE TRIGGER `suspense_tally_ai` AFTER INSERT ON `suspense_queue` BEGIN
  INSERT INTO `suspense_tally` (`state`, `currency`, `owner`, `reason_code`, `entered_on`, `count`, `amount_minor`)
  VALUES (new.`state`, new.`currency`, coalesce(new.`action_owner`, -1), new.`reason_code`, new.`entered_on`, 1, new.`amount_minor`)
  ON CONFLICT (`state`, `currency`, `owner`, `reason_code`, `entered_on`)
  DO UPDATE SET `count` = `count` + excluded.`count`, `amount_minor` = `amount_minor` + excluded.`amount_minor`;
END;
--> statement-breakpoint
CREATE TRIGGER `suspense_tally_au` AFTER UPDATE OF `state`, `currency`, `action_owner`, `reason_code`, `entered_on`, `amount_minor` ON `suspense_queue` BEGIN
  INSERT INTO `suspense_tally` (`state`, `currency`, `owner`, `reason_code`, `entered_on`, `count`, `amount_minor`)
  VALUES (old.`state`, old.`currency`, coalesce(old.`action_owner`, -1), old.`reason_code`, old.`entered_on`, -1, -old.`amount_minor`)
  ON CONFLICT (`state`, `currency`, `owner`, `reason_code`, `entered_on`)
  DO UPDATE SET `count` = `count` + excluded.`count`, `amount_minor` = `amount_minor` + excluded.`amount_minor`;
  INSERT INTO `suspense_tally` (`state`, `currency`, `owner`, `reason_code`, `entered_on`, `count`, `amount_minor`)
  VALUES (new.`state`, new.`currency`, coalesce(new.`action_owner`, -1), new.`reason_code`, new.`entered_on`, 1, new.`amount_minor`)
  ON CONFLICT (`state`, `currency`, `owner`, `reason_code`, `entered_on`)
  DO UPDATE SET `count` = `count` + excluded.`count`, `amount_minor` = `amount_minor` + excluded.`amount_minor`;
END;
--> statement-breakpoint
INSERT INTO `suspense_tally` (`state`, `currency`, `owner`, `reason_code`, `entered_on`, `count`, `amount_minor`)
  SELECT `state`, `currency`, coalesce(`action_owner`, -1), `reason_code`, `entered_on`, count(*), sum(`amount_minor`)
  FROM `suspense_queue` GROUP BY 1, 2, 3, 4, 5;
