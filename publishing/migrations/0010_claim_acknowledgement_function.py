"""PostgreSQL only: the acknowledgement's claim as a function, so its plan is kept.

``publishing.ack_statements.claim_and_lock_head`` ran one statement of four parts (the kept
publication still in force, the person's open requests claimed, the audit chain's head locked)
sent as text each time: PostgreSQL parsed and planned it on every acknowledgement, three
times the work of running it. Inside a PL/pgSQL function the statement is planned once per
database session and then reused. The statement is the same; SQLite keeps the ORM path.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION charter_claim_acknowledgement(
    p_user_id bigint,
    p_version_id bigint,
    p_head_key text,
    p_at timestamptz,
    p_publication_id bigint,
    p_content_hash text,
    p_today date
)
RETURNS TABLE (
    head_id bigint,
    head_key text,
    head_sequence bigint,
    head_hash text,
    request_id bigint,
    due_date date,
    campaign_status text,
    replaced_at timestamptz,
    in_force boolean
)
LANGUAGE plpgsql
AS $function$
#variable_conflict use_column
BEGIN
    -- A kept publication (p_publication_id) must still stand for the version with the same
    -- content hash, and no later publication of its guideline may have taken effect; without
    -- one, the caller has just read it in force. Requests are claimed first and the chain's
    -- head locked second (the head's WHERE reads the claim), the order every writer keeps.
    RETURN QUERY
    WITH "valid" AS (
        SELECT p_publication_id IS NULL OR EXISTS (
            SELECT 1 FROM "publishing_publication" AS "p"
            JOIN "guidelines_version" AS "v" ON "v"."id" = "p"."version_id"
            WHERE "p"."id" = p_publication_id AND "p"."version_id" = p_version_id
            AND "v"."content_hash" = p_content_hash
            AND NOT EXISTS (
                SELECT 1 FROM "publishing_publication" AS "q"
                JOIN "guidelines_version" AS "w" ON "w"."id" = "q"."version_id"
                WHERE "q"."guideline_id" = "p"."guideline_id"
                AND "q"."effective_date" <= p_today
                AND ("q"."effective_date" > "p"."effective_date"
                     OR ("q"."effective_date" = "p"."effective_date"
                         AND "w"."number" > "v"."number"))
            )
        ) AS "ok"
    ),
    "claimed" AS (
        UPDATE "publishing_ackrequest" SET "acknowledged_at" = p_at
        WHERE "campaign_id" IN (
            SELECT "id" FROM "publishing_campaign" WHERE "version_id" = p_version_id
        )
        AND "user_id" = p_user_id AND "acknowledged_at" IS NULL AND "closed_at" IS NULL
        AND "replaced_at" IS NULL AND (SELECT "ok" FROM "valid")
        RETURNING "id", "due_date",
            (SELECT "status" FROM "publishing_campaign"
             WHERE "id" = "publishing_ackrequest"."campaign_id") AS "status",
            "replaced_at"
    ),
    "head" AS (
        SELECT "id", "key", "sequence", "hash" FROM "audit_chainhead"
        WHERE "key" = p_head_key AND (SELECT count(*) FROM "claimed") >= 0
        FOR UPDATE
    )
    SELECT "head"."id", "head"."key"::text, "head"."sequence", "head"."hash"::text,
        "claimed"."id", "claimed"."due_date", "claimed"."status"::text,
        "claimed"."replaced_at", (SELECT "ok" FROM "valid")
    FROM (SELECT 1) AS "one"
    LEFT JOIN "head" ON TRUE
    LEFT JOIN "claimed" ON TRUE;
END
$function$;
"""

DROP = "DROP FUNCTION IF EXISTS charter_claim_acknowledgement(bigint, bigint, text, timestamptz, bigint, text, date);"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("publishing", "0009_quiz_record_card_size"),
        ("audit", "0003_verified_checkpoints"),
        ("guidelines", "0003_draft_and_version_cases"),
    ]

    operations = [migrations.RunPython(create, drop)]
