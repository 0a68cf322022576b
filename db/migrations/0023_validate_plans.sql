CREATE TABLE `account_stamps` (
	`account_id` integer PRIMARY KEY NOT NULL,
	`rev` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `batch_plans` (
	`batch_id` integer NOT NULL,
	`account_id` integer NOT NULL,
	`rev` integer NOT NULL,
	`plan` text NOT NULL,
	PRIMARY KEY(`batch_id`, `account_id`)
);
--> statement-breakpoint
DROP INDEX `batch_entries_batch_status_idx`;--> statement-breakpoint
CREATE INDEX `batch_entries_batch_status_idx` ON `batch_entries` (`batch_id`,`status`,`seq`,`amount_minor`);--> statement-breakpoint
CREATE TRIGGER `account_stamps_accounts_ai` AFTER INSERT ON `accounts` BEGIN
  INSERT INTO `account_stamps` (`account_id`, `rev`) VALUES (0, 1) ON CONFLICT (`account_id`) DO UPDATE SET `rev` = `rev` + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `account_stamps_accounts_au` AFTER UPDATE OF `status`, `currency` ON `accounts` BEGIN
  INSERT INTO `account_stamps` (`account_id`, `rev`) VALUES (new.`id`, 1) ON CONFLICT (`account_id`) DO UPDATE SET `rev` = `rev` + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `account_stamps_accounts_keys_au` AFTER UPDATE OF `account_key`, `is_suspense` ON `accounts` BEGIN
  INSERT INTO `account_stamps` (`account_id`, `rev`) VALUES (new.`id`, 1) ON CONFLICT (`account_id`) DO UPDATE SET `rev` = `rev` + 1;
  INSERT INTO `account_stamps` (`account_id`, `rev`) VALUES (0, 1) ON CONFLICT (`account_id`) DO UPDATE SET `rev` = `rev` + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `account_stamps_bill_units_ai` AFTER INSERT ON `bill_units` BEGIN
  INSERT INTO `account_stamps` (`account_id`, `rev`) VALUES (new.`account_id`, 1) ON CONFLICT (`account_id`) DO UPDATE SET `rev` = `rev` + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `account_stamps_bill_units_au` AFTER UPDATE OF `paying`, `account_id` ON `bill_units` BEGIN
  INSERT INTO `account_stamps` (`account_id`, `rev`) VALUES (new.`account_id`, 1) ON CONFLICT (`account_id`) DO UPDATE SET `rev` = `rev` + 1;
  INSERT INTO `account_stamps` (`account_id`, `rev`) VALUES (old.`account_id`, 1) ON CONFLICT (`account_id`) DO UPDATE SET `rev` = `rev` + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `account_stamps_bill_units_ad` AFTER DELETE ON `bill_units` BEGIN
  INSERT INTO `account_stamps` (`account_id`, `rev`) VALUES (old.`account_id`, 1) ON CONFLICT (`account_id`) DO UPDATE SET `rev` = `rev` + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `account_stamps_bills_ai` AFTER INSERT ON `bills` BEGIN
  INSERT INTO `account_stamps` (`account_id`, `rev`) VALUES (new.`account_id`, 1) ON CONFLICT (`account_id`) DO UPDATE SET `rev` = `rev` + 1;
  INSERT INTO `account_stamps` (`account_id`, `rev`) VALUES (0, 1) ON CONFLICT (`account_id`) DO UPDATE SET `rev` = `rev` + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `account_stamps_bills_au` AFTER UPDATE OF `status`, `amount_due_minor`, `bill_date`, `due_date`, `bill_unit_id` ON `bills`
  WHEN old.`status` IS NOT new.`status` OR old.`amount_due_minor` IS NOT new.`amount_due_minor` OR old.`bill_date` IS NOT new.`bill_date`
    OR old.`due_date` IS NOT new.`due_date` OR old.`bill_unit_id` IS NOT new.`bill_unit_id` BEGIN
  INSERT INTO `account_stamps` (`account_id`, `rev`) VALUES (new.`account_id`, 1) ON CONFLICT (`account_id`) DO UPDATE SET `rev` = `rev` + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `account_stamps_bills_keys_au` AFTER UPDATE OF `bill_no`, `account_id` ON `bills` BEGIN
  INSERT INTO `account_stamps` (`account_id`, `rev`) VALUES (new.`account_id`, 1) ON CONFLICT (`account_id`) DO UPDATE SET `rev` = `rev` + 1;
  INSERT INTO `account_stamps` (`account_id`, `rev`) VALUES (old.`account_id`, 1) ON CONFLICT (`account_id`) DO UPDATE SET `rev` = `rev` + 1;
  INSERT INTO `account_stamps` (`account_id`, `rev`) VALUES (0, 1) ON CONFLICT (`account_id`) DO UPDATE SET `rev` = `rev` + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `account_stamps_bills_ad` AFTER DELETE ON `bills` BEGIN
  INSERT INTO `account_stamps` (`account_id`, `rev`) VALUES (old.`account_id`, 1) ON CONFLICT (`account_id`) DO UPDATE SET `rev` = `rev` + 1;
  INSERT INTO `account_stamps` (`account_id`, `rev`) VALUES (0, 1) ON CONFLICT (`account_id`) DO UPDATE SET `rev` = `rev` + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `account_stamps_bill_items_ai` AFTER INSERT ON `bill_items` BEGIN
  INSERT INTO `account_stamps` (`account_id`, `rev`) VALUES (new.`account_id`, 1) ON CONFLICT (`account_id`) DO UPDATE SET `rev` = `rev` + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `account_stamps_bill_items_au` AFTER UPDATE OF `open_minor`, `status`, `bill_id`, `account_id` ON `bill_items`
  WHEN old.`open_minor` IS NOT new.`open_minor` OR old.`status` IS NOT new.`status` OR old.`bill_id` IS NOT new.`bill_id`
    OR old.`account_id` IS NOT new.`account_id` BEGIN
  INSERT INTO `account_stamps` (`account_id`, `rev`) VALUES (new.`account_id`, 1) ON CONFLICT (`account_id`) DO UPDATE SET `rev` = `rev` + 1;
  INSERT INTO `account_stamps` (`account_id`, `rev`) SELECT old.`account_id`, 1 WHERE old.`account_id` IS NOT new.`account_id`
    ON CONFLICT (`account_id`) DO UPDATE SET `rev` = `rev` + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `account_stamps_bill_items_ad` AFTER DELETE ON `bill_items` BEGIN
  INSERT INTO `account_stamps` (`account_id`, `rev`) VALUES (old.`account_id`, 1) ON CONFLICT (`account_id`) DO UPDATE SET `rev` = `rev` + 1;
END;
