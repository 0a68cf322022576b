-- Custom SQL migration file, put your code below! --
-- Payer-name contains-search on its own trigram index: with both columns in one index, a payer text that is
-- common in references (e.g. "REF-") walked every reference hit to find none in the payer column.
CREATE VIRTUAL TABLE `suspense_payer_fts` USING fts5(`payer_name`, content='suspense_queue', content_rowid='payment_id', tokenize='trigram');
--> statement-breakpoint
CREATE TRIGGER `suspense_payer_fts_ai` AFTER INSERT ON `suspense_queue` BEGIN
  INSERT INTO `suspense_payer_fts` (rowid, `payer_name`) VALUES (new.`payment_id`, new.`payer_name`);
END;
--> statement-breakpoint
CREATE TRIGGER `suspense_payer_fts_au` AFTER UPDATE OF `payer_name` ON `suspense_queue` BEGIN
  INSERT INTO `suspense_payer_fts` (`suspense_payer_fts`, rowid, `payer_name`) VALUES ('delete', old.`payment_id`, old.`payer_name`);
  INSERT INTO `suspense_payer_fts` (rowid, `payer_name`) VALUES (new.`payment_id`, new.`payer_name`);
END;
--> statement-breakpoint
CREATE TRIGGER `suspense_payer_fts_ad` AFTER DELETE ON `suspense_queue` BEGIN
  INSERT INTO `suspense_payer_fts` (`suspense_payer_fts`, rowid, `payer_name`) VALUES ('delete', old.`payment_id`, old.`payer_name`);
END;
--> statement-breakpoint
INSERT INTO `suspense_payer_fts` (`suspense_payer_fts`) VALUES ('rebuild');
