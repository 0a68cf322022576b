-- Custom SQL migration file, put your code below! --
-- Entries that submit posted to the payment suspense account were marked 'posted' like those posted to their
-- accounts. They become 'posted_suspense' where the ledger tells them apart: the payment posted under the
-- entry's key (or named by the entry) is a suspended payment. Reversal and refund entries never name one.
UPDATE `batch_entries` SET `status` = 'posted_suspense'
WHERE `status` = 'posted'
  AND (EXISTS (SELECT 1 FROM `payments` p WHERE p.`id` = `batch_entries`.`posted_payment_id` AND p.`kind` = 'suspended')
    OR EXISTS (SELECT 1 FROM `payments` p WHERE p.`source_key` = `batch_entries`.`entry_key` AND p.`kind` = 'suspended'));
