CREATE TABLE "job_runs" (
	"seq" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "job_runs_seq_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"id" text NOT NULL,
	"kind" text NOT NULL,
	"subject" text,
	"started_by" bigint NOT NULL,
	"status" text NOT NULL,
	"message" text,
	"host" text NOT NULL,
	"pid" bigint NOT NULL,
	"started_at" text NOT NULL,
	"finished_at" text,
	CONSTRAINT "job_runs_id_unique" UNIQUE("id")
);
--> statement-breakpoint
CREATE INDEX "job_runs_started_idx" ON "job_runs" USING btree ("started_at");--> statement-breakpoint
CREATE INDEX "job_runs_status_idx" ON "job_runs" USING btree ("status");