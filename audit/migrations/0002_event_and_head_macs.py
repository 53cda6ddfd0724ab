"""Every event and chain head gains a MAC under the audit key; existing rows are signed here.

The backfill walks each chain exactly as verification did before MACs existed and signs only
the events (and the head) that still verified that way: an event already altered, and every
event after it, stays unsigned, so `verify_audit` goes on reporting it instead of vouching for
it. The hashing below is a frozen copy of what the code did when this migration was written.
"""

import hashlib
import hmac
import json

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import migrations, models

BATCH = 2000
GENESIS = "0" * 64


def _key_id(secret):
    return hashlib.sha256(b"charter-audit-key-id:" + secret.encode()).hexdigest()[:16]


def _mac(secret, message):
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def _event_hash(e):
    payload = {
        "organization": e.organization_id,
        "actor": e.actor_id,
        "actor_label": e.actor_label,
        "action": e.action,
        "object_type": e.object_type,
        "object_id": e.object_id,
        "object_repr": e.object_repr,
        "guideline_id": e.guideline_id,
        "details": e.details,
        "ip_address": e.ip_address,
        "user_agent": e.user_agent,
        "created_at": e.created_at.isoformat(),
        "sequence": e.sequence,
        "prev_hash": e.prev_hash,
    }
    data = json.dumps(payload, sort_keys=True, cls=DjangoJSONEncoder, ensure_ascii=False)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def sign_existing(apps, schema_editor):
    Event = apps.get_model("audit", "AuditEvent")
    Head = apps.get_model("audit", "ChainHead")
    secret = settings.AUDIT_HMAC_KEY
    kid = _key_id(secret)
    table = schema_editor.quote_name(Event._meta.db_table)
    update = f"UPDATE {table} SET mac = %s, key_id = %s WHERE id = %s"
    ends = {}  # chain key -> (sequence, hash) of the last event that verified
    chains = Event.objects.order_by().values_list("organization_id", flat=True).distinct()
    for org_id in list(chains):
        sequence, prev = 0, GENESIS
        broken = False
        while not broken:
            rows = list(
                Event.objects.filter(organization_id=org_id, sequence__gt=sequence)
                .order_by("sequence")[:BATCH]
            )
            if not rows:
                break
            signed = []
            for e in rows:
                if e.sequence != sequence + 1 or e.prev_hash != prev or _event_hash(e) != e.hash:
                    broken = True
                    break
                signed.append((_mac(secret, b"charter-audit-event:v1:" + e.hash.encode()), kid, e.pk))
                sequence, prev = e.sequence, e.hash
            if signed:
                with schema_editor.connection.cursor() as cursor:
                    cursor.executemany(update, signed)
        key = f"org:{org_id}" if org_id is not None else "global"
        ends[key] = None if broken else (sequence, prev)
    for head in Head.objects.all():
        if ends.get(head.key, (0, GENESIS)) != (head.sequence, head.hash):
            continue  # the chain does not end where its head says: leave it for verify_audit
        message = f"{head.key}|{head.sequence}|{head.hash}".encode()
        head.mac = _mac(secret, b"charter-audit-head:v1:" + message)
        head.key_id = kid
        head.save(update_fields=["mac", "key_id"])



class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='auditevent',
            name='key_id',
            field=models.CharField(blank=True, default='', max_length=16),
        ),
        migrations.AddField(
            model_name='auditevent',
            name='mac',
            field=models.CharField(blank=True, default='', max_length=64),
        ),
        migrations.AddField(
            model_name='chainhead',
            name='key_id',
            field=models.CharField(blank=True, default='', max_length=16),
        ),
        migrations.AddField(
            model_name='chainhead',
            name='mac',
            field=models.CharField(blank=True, default='', max_length=64),
        ),
        migrations.RunPython(sign_existing, migrations.RunPython.noop),
    ]
