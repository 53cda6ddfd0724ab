"""gunicorn settings for Charter; gunicorn reads this file from the working directory.

Command-line options (``--workers``, ``--bind``) still override what is set here.
"""

from gunicorn.http import wsgi

_default_headers = wsgi.Response.default_headers


def _without_server_header(self: wsgi.Response) -> list[str]:
    """gunicorn's status line, Date and Connection, without ``Server: gunicorn``.

    gunicorn writes its Server header itself, after the application has answered, and has no
    setting for it; announcing the server software only helps someone looking for a known hole.
    """
    return [line for line in _default_headers(self) if not line.lower().startswith("server:")]


wsgi.Response.default_headers = _without_server_header
