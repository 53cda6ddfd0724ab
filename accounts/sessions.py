"""Sessions in the database, written with one statement.

Django's database store wraps every save in a transaction (BEGIN, UPDATE, COMMIT: three round
trips on each signed-in request). Saving an existing session is a single UPDATE, atomic on its
own; only creating one keeps Django's path, which must tell a clash of keys apart.
"""

from __future__ import annotations

from django.contrib.sessions.backends import db
from django.contrib.sessions.backends.base import UpdateError
from django.db import router


class SessionStore(db.SessionStore):
    def save(self, must_create: bool = False) -> None:
        if self.session_key is None or must_create:
            super().save(must_create=must_create)
            return
        obj = self.create_model_instance(self._get_session())  # type: ignore[attr-defined]
        using = router.db_for_write(self.model, instance=obj)
        updated = (
            self.model._default_manager.using(using)
            .filter(session_key=obj.session_key)
            .update(session_data=obj.session_data, expire_date=obj.expire_date)
        )
        if not updated:
            # Ended meanwhile (signed out elsewhere, or cleared): as Django's own store says.
            raise UpdateError
