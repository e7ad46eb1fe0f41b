"""What an HTTP header may hold, and the auth header template: one answer for check and resolve.

``check`` reports what cannot be sent and ``resolve`` refuses it again (a snapshot or a caller's
headers never went through ``check``), so both ask the functions here. Plain ``re``: importing
this module imports nothing else.
"""

from __future__ import annotations

import re

TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+\Z")
# What HTTP/1.1 clients (h11 under httpx) send: visible ASCII, inner spaces and tabs, no white
# space at either end (h11 refuses it), nothing else. httpx encodes str values as ASCII.
_VALUE = re.compile(r"(?:[!-~](?:[\t -~]*[!-~])?)?\Z")

AUTH_VARIABLE = "auth_secret"
# The whole template language allowed in auth_header_format: literal text and {{ auth_secret }}.
_SUBSTITUTION = re.compile(r"\{\{[ \t]*auth_secret[ \t]*\}\}")
_TEMPLATE_SYNTAX = ("{{", "{%", "{#")


def header_problem(name: str, value: str) -> str | None:
    """Why the header ``name: value`` cannot be sent, or None. Never quotes the value."""
    if not TOKEN.match(name):
        return "its name is not an HTTP token (letters, digits and !#$%&'*+.^_`|~-)"
    if _VALUE.match(value):
        return None
    if any(c in value for c in "\r\n\0"):
        return "its value holds a line break or NUL, which would start another header"
    if not value.isascii():
        return "its value holds non-ASCII characters, which HTTP clients do not send"
    if value != value.strip(" \t"):
        return "its value starts or ends with white space, which HTTP clients refuse"
    return "its value holds a control character"


def auth_template_parts(template: str) -> list[str | None] | str:
    """The template as literal texts and ``None`` for each ``{{ auth_secret }}``, or why not.

    Anything else Jinja2 would evaluate (expressions, filters, statements, comments) is
    refused: a definition may place the secret in a header, not compute with it.
    """
    parts: list[str | None] = []
    position = 0
    for match in _SUBSTITUTION.finditer(template):
        parts.extend((template[position : match.start()], None))
        position = match.end()
    parts.append(template[position:])
    for part in parts:
        if part is not None and any(marker in part for marker in _TEMPLATE_SYNTAX):
            return (
                "it may only substitute {{ auth_secret }}; expressions, filters, statements "
                "and comments are not evaluated"
            )
    if None not in parts:
        return "it never uses {{ auth_secret }}, so the key would not be sent"
    return parts


def render_auth_header(parts: list[str | None], secret: str) -> str:
    return "".join(secret if part is None else part for part in parts)
