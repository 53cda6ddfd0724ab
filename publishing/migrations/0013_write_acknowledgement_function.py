"""PostgreSQL only: the acknowledgement's write as a function, and the whole acknowledgement
as another when what it needs was read with the person.

``publishing.ack_statements`` wrote the acknowledgement, the passed quiz try, the person's
notices resolved, the audit event and the chain's head in one data-modifying ``WITH``
statement, sent as text: PostgreSQL parsed and planned it on every acknowledgement, and the
app composed and quoted about forty values into it. Inside a PL/pgSQL function each statement
is planned once per database session and the app sends the values alone. The rows written are
the same; SQLite keeps the ORM path.

``charter_acknowledge_at_once`` does the claim (migration 0010) and the write in one call, on
what the request read with the signed-in person (accounts.sign_in_reads): the request the
acknowledgement answers and the head of the person's audit lane, as they stood then. It claims
the person's open requests and locks the head in the claim's order, and refuses (SQLSTATE
CH001, nothing written) unless the publication is still in force, the claim answers that same
request and the head has not moved; the app then takes the two-statement path.

The columns are named here, so a column added to one of these tables must be added here too
(tests/publishing/test_ack_together.py compares the columns with the models').
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION charter_write_acknowledgement(
    p_organization_id bigint,
    p_user_id bigint,
    p_version_id bigint,
    p_request_id bigint,
    p_at timestamptz,
    p_ip_address inet,
    p_user_agent text,
    p_content_hash text,
    p_quiz_answered boolean,
    p_quiz_record jsonb,
    p_with_try boolean,
    p_work text,
    p_subject text,
    p_resolved_at timestamptz,
    p_actor_label text,
    p_action text,
    p_object_type text,
    p_object_id text,
    p_object_repr text,
    p_guideline_id bigint,
    p_details jsonb,
    p_created_at timestamptz,
    p_lane integer,
    p_sequence bigint,
    p_prev_hash text,
    p_hash text,
    p_mac text,
    p_key_id text,
    p_head_id bigint,
    p_head_mac text
)
RETURNS TABLE (event_id bigint, acknowledgement_id bigint, try_id bigint)
LANGUAGE plpgsql
AS $function$
#variable_conflict use_column
DECLARE
    v_acknowledgement bigint;
    v_try bigint;
    v_event bigint;
BEGIN
    INSERT INTO "publishing_acknowledgement" (
        "organization_id", "user_id", "version_id", "content_hash", "acknowledged_at",
        "ip_address", "user_agent", "quiz_answered", "quiz_record", "request_id"
    ) VALUES (
        p_organization_id, p_user_id, p_version_id, p_content_hash, p_at,
        p_ip_address, p_user_agent, p_quiz_answered, p_quiz_record, p_request_id
    ) RETURNING "id" INTO v_acknowledgement;
    IF p_with_try THEN
        INSERT INTO "publishing_quizattempt" (
            "organization_id", "user_id", "version_id", "request_id", "attempted_at",
            "wrong_questions", "passed"
        ) VALUES (
            p_organization_id, p_user_id, p_version_id, p_request_id, p_at, '[]'::jsonb, TRUE
        ) RETURNING "id" INTO v_try;
    END IF;
    UPDATE "accounts_notification"
    SET "done_at" = p_resolved_at, "read_at" = COALESCE("read_at", p_resolved_at)
    WHERE "work" = p_work AND "subject" = p_subject AND "done_at" IS NULL
    AND "user_id" = p_user_id;
    INSERT INTO "audit_auditevent" (
        "organization_id", "actor_id", "actor_label", "action", "object_type", "object_id",
        "object_repr", "guideline_id", "details", "ip_address", "user_agent", "created_at",
        "lane", "sequence", "prev_hash", "hash", "mac", "key_id"
    ) VALUES (
        p_organization_id, p_user_id, p_actor_label, p_action, p_object_type, p_object_id,
        p_object_repr, p_guideline_id, p_details, p_ip_address, p_user_agent, p_created_at,
        p_lane, p_sequence, p_prev_hash, p_hash, p_mac, p_key_id
    ) RETURNING "id" INTO v_event;
    -- The caller holds the head locked (the claim locked it): it moves with the event or the
    -- whole acknowledgement is refused.
    UPDATE "audit_chainhead"
    SET "sequence" = p_sequence, "hash" = p_hash, "key_id" = p_key_id, "mac" = p_head_mac
    WHERE "id" = p_head_id AND "sequence" = p_sequence - 1 AND "hash" = p_prev_hash;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'the audit chain head % did not stand where the event follows it',
            p_head_id USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN QUERY SELECT v_event, v_acknowledgement, v_try;
END
$function$;
"""

AT_ONCE = """
CREATE OR REPLACE FUNCTION charter_acknowledge_at_once(
    p_publication_id bigint,
    p_in_force_hash text,
    p_today date,
    p_organization_id bigint,
    p_user_id bigint,
    p_version_id bigint,
    p_request_id bigint,
    p_at timestamptz,
    p_ip_address inet,
    p_user_agent text,
    p_content_hash text,
    p_quiz_answered boolean,
    p_quiz_record jsonb,
    p_with_try boolean,
    p_work text,
    p_subject text,
    p_resolved_at timestamptz,
    p_actor_label text,
    p_action text,
    p_object_type text,
    p_object_id text,
    p_object_repr text,
    p_guideline_id bigint,
    p_details jsonb,
    p_created_at timestamptz,
    p_lane integer,
    p_sequence bigint,
    p_prev_hash text,
    p_hash text,
    p_mac text,
    p_key_id text,
    p_head_id bigint,
    p_head_mac text
)
RETURNS TABLE (event_id bigint, acknowledgement_id bigint, try_id bigint)
LANGUAGE plpgsql
AS $function$
#variable_conflict use_column
DECLARE
    v_answered bigint;
    v_sequence bigint;
    v_hash text;
BEGIN
    -- The publication kept by the app must still stand for the version with the same hash,
    -- with no later publication of its guideline in effect (as the claim checks).
    IF p_publication_id IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM "publishing_publication" AS "p"
        JOIN "guidelines_version" AS "v" ON "v"."id" = "p"."version_id"
        WHERE "p"."id" = p_publication_id AND "p"."version_id" = p_version_id
        AND "v"."content_hash" = p_in_force_hash
        AND NOT EXISTS (
            SELECT 1 FROM "publishing_publication" AS "q"
            JOIN "guidelines_version" AS "w" ON "w"."id" = "q"."version_id"
            WHERE "q"."guideline_id" = "p"."guideline_id"
            AND "q"."effective_date" <= p_today
            AND ("q"."effective_date" > "p"."effective_date"
                 OR ("q"."effective_date" = "p"."effective_date"
                     AND "w"."number" > "v"."number"))
        )
    ) THEN
        RAISE EXCEPTION 'the publication is no longer in force' USING ERRCODE = 'CH001';
    END IF;
    -- Every open request of the person for the version is claimed, as by the claim; the one
    -- the acknowledgement answers (an open campaign's, the earliest due) must be the one read.
    WITH "claimed" AS (
        UPDATE "publishing_ackrequest" SET "acknowledged_at" = p_at
        WHERE "campaign_id" IN (
            SELECT "id" FROM "publishing_campaign" WHERE "version_id" = p_version_id
        )
        AND "user_id" = p_user_id AND "acknowledged_at" IS NULL AND "closed_at" IS NULL
        AND "replaced_at" IS NULL
        RETURNING "id", "due_date", "campaign_id"
    )
    SELECT "claimed"."id" INTO v_answered FROM "claimed"
    JOIN "publishing_campaign" AS "c" ON "c"."id" = "claimed"."campaign_id"
    WHERE "c"."status" = 'open'
    ORDER BY "claimed"."due_date", "claimed"."id"
    LIMIT 1;
    IF v_answered IS DISTINCT FROM p_request_id THEN
        RAISE EXCEPTION 'the request read is not the one to answer' USING ERRCODE = 'CH001';
    END IF;
    -- Requests first, head second: the order every writer keeps.
    SELECT "sequence", "hash" INTO v_sequence, v_hash FROM "audit_chainhead"
    WHERE "id" = p_head_id FOR UPDATE;
    IF v_sequence IS DISTINCT FROM p_sequence - 1 OR v_hash IS DISTINCT FROM p_prev_hash THEN
        RAISE EXCEPTION 'the audit chain head has moved' USING ERRCODE = 'CH001';
    END IF;
    RETURN QUERY SELECT * FROM charter_write_acknowledgement(
        p_organization_id, p_user_id, p_version_id, p_request_id, p_at, p_ip_address,
        p_user_agent, p_content_hash, p_quiz_answered, p_quiz_record, p_with_try, p_work,
        p_subject, p_resolved_at, p_actor_label, p_action, p_object_type, p_object_id,
        p_object_repr, p_guideline_id, p_details, p_created_at, p_lane, p_sequence,
        p_prev_hash, p_hash, p_mac, p_key_id, p_head_id, p_head_mac
    );
END
$function$;
"""

DROP = (
    "DROP FUNCTION IF EXISTS charter_write_acknowledgement(bigint, bigint, bigint, bigint, "
    "timestamptz, inet, text, text, boolean, jsonb, boolean, text, text, timestamptz, text, "
    "text, text, text, text, bigint, jsonb, timestamptz, integer, bigint, text, text, text, "
    "text, bigint, text);"
)
DROP_AT_ONCE = (
    "DROP FUNCTION IF EXISTS charter_acknowledge_at_once(bigint, text, date, bigint, bigint, "
    "bigint, bigint, timestamptz, inet, text, text, boolean, jsonb, boolean, text, text, "
    "timestamptz, text, text, text, text, text, bigint, jsonb, timestamptz, integer, bigint, "
    "text, text, text, text, bigint, text);"
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)
        schema_editor.execute(AT_ONCE, params=None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_AT_ONCE)
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("publishing", "0012_ackrequest_hot_updates"),
        ("audit", "0006_fewer_indexes_per_event"),
        ("accounts", "0018_outbox_claims"),
    ]

    operations = [migrations.RunPython(create, drop)]
