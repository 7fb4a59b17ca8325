-- Custom SQL migration: database-enforced guards and the portal-safe views.
-- E1: opportunity_events is append-only. L1: opportunities are never deleted.
-- H1/M1: metric_snapshots rows are immutable. K1: portal reads go through views that only
-- expose client_safe text approved for its current version.

CREATE FUNCTION "refuse_change"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% on % is not allowed: %', TG_OP, TG_TABLE_NAME, TG_ARGV[0]
    USING ERRCODE = 'restrict_violation';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER "opportunity_events_append_only"
  BEFORE UPDATE OR DELETE ON "opportunity_events"
  FOR EACH ROW EXECUTE FUNCTION "refuse_change"('the event log is append-only (E1)');
--> statement-breakpoint
CREATE TRIGGER "opportunity_events_no_truncate"
  BEFORE TRUNCATE ON "opportunity_events"
  FOR EACH STATEMENT EXECUTE FUNCTION "refuse_change"('the event log is append-only (E1)');
--> statement-breakpoint
CREATE TRIGGER "opportunities_never_deleted"
  BEFORE DELETE ON "opportunities"
  FOR EACH ROW EXECUTE FUNCTION "refuse_change"('opportunities are never deleted; mark them lost (L1)');
--> statement-breakpoint
CREATE TRIGGER "opportunities_no_truncate"
  BEFORE TRUNCATE ON "opportunities"
  FOR EACH STATEMENT EXECUTE FUNCTION "refuse_change"('opportunities are never deleted; mark them lost (L1)');
--> statement-breakpoint
CREATE TRIGGER "metric_snapshots_immutable"
  BEFORE UPDATE OR DELETE ON "metric_snapshots"
  FOR EACH ROW EXECUTE FUNCTION "refuse_change"('metric snapshots are immutable');
--> statement-breakpoint
CREATE TRIGGER "metric_snapshots_no_truncate"
  BEFORE TRUNCATE ON "metric_snapshots"
  FOR EACH STATEMENT EXECUTE FUNCTION "refuse_change"('metric snapshots are immutable');
--> statement-breakpoint
CREATE VIEW "portal_client_texts" AS
  SELECT 'summary'::text AS "source", s."id" AS "source_id", s."opportunity_id", o."client_id",
         NULL::uuid AS "proposal_id", NULL::integer AS "proposal_version", s."kind"::text AS "kind", s."body",
         NULL::integer AS "position", NULL::integer AS "quantity", NULL::bigint AS "unit_price_cents", s."approved_at"
    FROM "client_safe_summaries" s
    JOIN "opportunities" o ON o."id" = s."opportunity_id"
   WHERE s."visibility" = 'client_safe' AND s."approved_at" IS NOT NULL AND s."approved_version" = s."version"
  UNION ALL
  SELECT 'proposal_section'::text, ps."id", p."opportunity_id", coalesce(p."client_id", o."client_id"),
         p."id", p."version", ps."section"::text, ps."body",
         NULL::integer, NULL::integer, NULL::bigint, ps."approved_at"
    FROM "proposal_sections" ps
    JOIN "proposals" p ON p."id" = ps."proposal_id"
    JOIN "opportunities" o ON o."id" = p."opportunity_id"
   WHERE ps."visibility" = 'client_safe' AND ps."approved_at" IS NOT NULL AND ps."approved_version" = p."version"
     AND p."status" = 'sent' AND p."link_revoked_at" IS NULL
  UNION ALL
  SELECT 'line_item'::text, li."id", p."opportunity_id", coalesce(p."client_id", o."client_id"),
         p."id", p."version", 'line_item'::text, li."description",
         li."position", li."quantity", li."unit_price_cents", li."approved_at"
    FROM "proposal_line_items" li
    JOIN "proposals" p ON p."id" = li."proposal_id"
    JOIN "opportunities" o ON o."id" = p."opportunity_id"
   WHERE li."visibility" = 'client_safe' AND li."approved_at" IS NOT NULL AND li."approved_version" = p."version"
     AND p."status" = 'sent' AND p."link_revoked_at" IS NULL;
--> statement-breakpoint
CREATE VIEW "portal_proposal_links" AS
  SELECT p."id" AS "proposal_id", p."opportunity_id", coalesce(p."client_id", o."client_id") AS "client_id",
         p."version", o."company", p."link_token_hash", p."sent_at", p."decision_deadline"
    FROM "proposals" p
    JOIN "opportunities" o ON o."id" = p."opportunity_id"
   WHERE p."status" = 'sent' AND p."link_revoked_at" IS NULL AND p."link_token_hash" IS NOT NULL;
