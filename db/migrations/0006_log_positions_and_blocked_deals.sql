ALTER TYPE "public"."task_kind" ADD VALUE 'write_blocked' BEFORE 'other';--> statement-breakpoint
ALTER TABLE "opportunities" ADD COLUMN "blocked_code" text;--> statement-breakpoint
ALTER TABLE "opportunities" ADD COLUMN "blocked_detail" text;--> statement-breakpoint
ALTER TABLE "opportunities" ADD COLUMN "blocked_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "opportunity_events" ADD COLUMN "position" integer;--> statement-breakpoint
-- Rows logged before positions existed get theirs in log order; the append-only trigger is
-- lifted for this one backfill only.
ALTER TABLE "opportunity_events" DISABLE TRIGGER "opportunity_events_append_only";--> statement-breakpoint
UPDATE "opportunity_events" e SET "position" = n.position
  FROM (SELECT "id", row_number() OVER (PARTITION BY "opportunity_id" ORDER BY "version", "id") AS position FROM "opportunity_events") n
  WHERE e."id" = n."id";--> statement-breakpoint
ALTER TABLE "opportunity_events" ENABLE TRIGGER "opportunity_events_append_only";--> statement-breakpoint
ALTER TABLE "opportunity_events" ALTER COLUMN "position" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "idempotency_keys" ADD COLUMN "pending_secret" text;--> statement-breakpoint
ALTER TABLE "opportunity_events" ADD CONSTRAINT "opportunity_events_position_key" UNIQUE("opportunity_id","position");--> statement-breakpoint
-- A date read out of JSON that may not be one (a snapshot written by older code, a hand fix):
-- null instead of failing the whole query. Portable to every Postgres (pg_input_is_valid is 16+).
CREATE FUNCTION "timestamptz_or_null"(value text) RETURNS timestamptz LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN value::timestamptz;
EXCEPTION WHEN others THEN
  RETURN NULL;
END $$;