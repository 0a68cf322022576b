CREATE TABLE "suspense_saved_searches" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"operator_id" bigint NOT NULL,
	"name" text NOT NULL,
	"filters" text NOT NULL,
	"created_at" text NOT NULL,
	"updated_at" text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "suspense_saved_searches_name_idx" ON "suspense_saved_searches" USING btree ("operator_id","name");