CREATE TABLE "job_queue" (
	"seq" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "job_queue_seq_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"id" text NOT NULL,
	"kind" text NOT NULL,
	"input" text NOT NULL,
	"operator_id" bigint NOT NULL,
	"queued_at" text NOT NULL,
	"state" text NOT NULL,
	"claimed_by" text,
	"claimed_at" text,
	"heartbeat" text,
	"cancel_requested" bigint DEFAULT 0 NOT NULL,
	"progress" text,
	"result" text,
	"error" text,
	"attempts" bigint DEFAULT 0 NOT NULL,
	"finished_at" text,
	CONSTRAINT "job_queue_id_unique" UNIQUE("id")
);
--> statement-breakpoint
CREATE INDEX "job_queue_state_idx" ON "job_queue" USING btree ("state","seq");