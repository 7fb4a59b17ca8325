ALTER TYPE "public"."task_kind" ADD VALUE 'next_action' BEFORE 'proposal_review';--> statement-breakpoint
ALTER TYPE "public"."task_kind" ADD VALUE 'delivery' BEFORE 'other';--> statement-breakpoint
ALTER TABLE "tasks" ALTER COLUMN "owner_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "queue" text;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "closed_reason" text;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "closed_note" text;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "closed_by" text;--> statement-breakpoint
CREATE INDEX "tasks_queue_due_idx" ON "tasks" USING btree ("queue","status","due_at","id");--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_owner_or_queue" CHECK ("tasks"."owner_id" IS NOT NULL OR "tasks"."queue" IS NOT NULL);--> statement-breakpoint
-- Tasks that were owned by the literal string `ops` wait in the ops queue until someone takes them.
UPDATE "tasks" SET "queue" = 'ops', "owner_id" = NULL WHERE "owner_id" = 'ops';
