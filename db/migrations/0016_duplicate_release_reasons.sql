-- Reason codes a supervisor gives when releasing a suspected duplicate payment (issue #11, finding 5).
INSERT INTO `reason_domains` (`id`, `name`, `gl_rule`) VALUES
  (20, 'Reason Codes - Duplicate Payment Release', 'optional');
--> statement-breakpoint
INSERT INTO `reason_codes` (`domain_id`, `id`, `label`, `help`, `gl_id`) VALUES
  (20, 4401, 'Separate payment confirmed', 'The payer or the bank confirmed two separate payments.', NULL),
  (20, 4402, 'Check presented again', 'The first check was returned and reversed; this one is its replacement.', NULL),
  (20, 4403, 'Different payment, same details', 'Two payments that happen to share account, number, amount and date.', NULL);
