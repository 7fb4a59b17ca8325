CREATE TABLE "deal_notes" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"key" text,
	"opportunity_id" uuid NOT NULL,
	"recorded_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"body" text NOT NULL,
	"pinned" boolean DEFAULT false NOT NULL,
	"for_handoff" boolean DEFAULT false NOT NULL,
	CONSTRAINT "deal_notes_key_unique" UNIQUE("key")
);
--> statement-breakpoint
ALTER TABLE "opportunities" ADD COLUMN "value_cents" bigint;--> statement-breakpoint
ALTER TABLE "opportunities" ADD COLUMN "currency" text;--> statement-breakpoint
ALTER TABLE "opportunities" ADD COLUMN "expected_close_date" date;--> statement-breakpoint
ALTER TABLE "opportunities" ADD COLUMN "probability" integer;--> statement-breakpoint
ALTER TABLE "opportunities" ADD COLUMN "contact_name" text;--> statement-breakpoint
ALTER TABLE "opportunities" ADD COLUMN "contact_email" text;--> statement-breakpoint
ALTER TABLE "opportunities" ADD COLUMN "contact_phone" text;--> statement-breakpoint
ALTER TABLE "opportunities" ADD COLUMN "last_activity_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "opportunities" ADD COLUMN "search" "tsvector" GENERATED ALWAYS AS (to_tsvector('simple', coalesce("opportunities"."company", '') || ' ' || coalesce("opportunities"."title", '') || ' ' || coalesce("opportunities"."contact_name", '') || ' ' || coalesce("opportunities"."contact_email", ''))) STORED;--> statement-breakpoint
ALTER TABLE "opportunity_events" ADD COLUMN "changes" jsonb;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "created_by" text DEFAULT 'system' NOT NULL;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "note" text;--> statement-breakpoint
ALTER TABLE "deal_notes" ADD CONSTRAINT "deal_notes_opportunity_id_opportunities_id_fk" FOREIGN KEY ("opportunity_id") REFERENCES "public"."opportunities"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "deal_notes_opportunity_idx" ON "deal_notes" USING btree ("opportunity_id","created_at");--> statement-breakpoint
CREATE INDEX "opportunities_search_idx" ON "opportunities" USING gin ("search");--> statement-breakpoint
CREATE INDEX "opportunities_next_action_due_idx" ON "opportunities" USING btree ("next_action_due_at","id");--> statement-breakpoint
CREATE INDEX "opportunities_value_idx" ON "opportunities" USING btree ("value_cents","id");--> statement-breakpoint
CREATE INDEX "opportunities_expected_close_idx" ON "opportunities" USING btree ("expected_close_date","id");--> statement-breakpoint
CREATE INDEX "opportunities_last_activity_idx" ON "opportunities" USING btree ("last_activity_at","id");--> statement-breakpoint
CREATE INDEX "opportunities_created_idx" ON "opportunities" USING btree ("created_at","id");--> statement-breakpoint
-- Deals recorded before this migration: their last activity is the last time their row changed.
UPDATE "opportunities" SET "last_activity_at" = "updated_at" WHERE "last_activity_at" IS NULL;
