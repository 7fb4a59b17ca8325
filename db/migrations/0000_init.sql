CREATE TYPE "public"."stage" AS ENUM('lead', 'qualified', 'discovery', 'audit', 'proposal', 'approval', 'sent', 'contract', 'won', 'handed_off', 'lost');--> statement-breakpoint
CREATE TABLE "opportunities" (
	"id" uuid PRIMARY KEY NOT NULL,
	"title" text NOT NULL,
	"company" text NOT NULL,
	"stage" "stage" DEFAULT 'lead' NOT NULL,
	"owner_id" text NOT NULL,
	"source" text,
	"next_action_description" text,
	"next_action_due_at" timestamp with time zone,
	"next_action_owner" text,
	"follow_up_pause_reasons" text[] DEFAULT '{}'::text[] NOT NULL,
	"proposal_pause_reasons" text[] DEFAULT '{}'::text[] NOT NULL,
	"scope_state" text DEFAULT 'unscoped' NOT NULL,
	"client_safe_status" text DEFAULT 'none' NOT NULL,
	"overdue" boolean DEFAULT false NOT NULL,
	"dormant" boolean DEFAULT false NOT NULL,
	"decision_deadline" timestamp with time zone,
	"workflow_id" text NOT NULL,
	"snapshot" jsonb NOT NULL,
	"version" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "opportunity_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"opportunity_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"idempotency_key" text NOT NULL,
	"event_type" text NOT NULL,
	"stage_before" "stage",
	"stage_after" "stage" NOT NULL,
	"actor_id" text NOT NULL,
	"owner_id" text NOT NULL,
	"payload" jsonb NOT NULL,
	"next_action" jsonb,
	"occurred_at" timestamp with time zone NOT NULL,
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "opportunity_events_idempotency_key_unique" UNIQUE("idempotency_key")
);
--> statement-breakpoint
ALTER TABLE "opportunity_events" ADD CONSTRAINT "opportunity_events_opportunity_id_opportunities_id_fk" FOREIGN KEY ("opportunity_id") REFERENCES "public"."opportunities"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "opportunities_stage_owner_idx" ON "opportunities" USING btree ("stage","owner_id","id");--> statement-breakpoint
CREATE INDEX "opportunities_owner_idx" ON "opportunities" USING btree ("owner_id","id");--> statement-breakpoint
CREATE INDEX "opportunity_events_opportunity_idx" ON "opportunity_events" USING btree ("opportunity_id","version");