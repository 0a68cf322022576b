CREATE TABLE "server_sessions" (
	"key" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"operator_id" bigint NOT NULL,
	"locked" bigint DEFAULT 0 NOT NULL,
	"created_at_ms" bigint NOT NULL,
	"last_seen_ms" bigint NOT NULL,
	"expires_at_ms" bigint
);
--> statement-breakpoint
CREATE INDEX "server_sessions_kind_idx" ON "server_sessions" USING btree ("kind","last_seen_ms");