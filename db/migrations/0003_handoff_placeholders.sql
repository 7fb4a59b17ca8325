ALTER TABLE "client_services" ALTER COLUMN "name" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "connector_accounts" ALTER COLUMN "provider" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "data_sources" ALTER COLUMN "kind" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "data_sources" ALTER COLUMN "name" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "portal_users" ALTER COLUMN "email" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "portal_users" ALTER COLUMN "name" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "portal_users" ALTER COLUMN "status" SET DEFAULT 'pending';--> statement-breakpoint
ALTER TABLE "metric_snapshots" ADD COLUMN "client_id" uuid;--> statement-breakpoint
ALTER TABLE "metric_snapshots" ADD CONSTRAINT "metric_snapshots_client_id_clients_id_fk" FOREIGN KEY ("client_id") REFERENCES "public"."clients"("id") ON DELETE no action ON UPDATE no action;