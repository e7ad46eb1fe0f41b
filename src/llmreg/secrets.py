"""Recognising secret values, so that they are reported and never repeated in output.

detect-secrets' general plugins (entropy above all) flag the base64 CA certificates and long
URLs that definitions legitimately hold, and it reports lines rather than JSON Pointers; the
shapes that matter here are the key formats of LLM and cloud providers, a few credential-bearing
header schemes, and URLs that carry a password.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from llmreg._record import Frozen

# The patterns are compiled on first use (``_key_shapes``): a check whose files the text
# prefilter rules out, or that the cache answers, never runs them, and compiling them and the
# other patterns below at import was about 9 M instructions, 3 % of a one-file check.
_KEY_SHAPE_SOURCES: tuple[tuple[str, str], ...] = (
    ("an OpenAI-style API key (sk-...)", r"\bsk-[A-Za-z0-9_-]{16,}"),
    ("an AWS access key id", r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    ("a Google API key", r"\bAIza[0-9A-Za-z_-]{35}\b"),
    ("a Hugging Face token", r"\bhf_[A-Za-z0-9]{30,}\b"),
    ("an NVIDIA API key", r"\bnvapi-[A-Za-z0-9_-]{20,}"),
    ("a Groq API key", r"\bgsk_[A-Za-z0-9]{20,}\b"),
    ("an xAI API key", r"\bxai-[A-Za-z0-9]{20,}\b"),
    ("a GitHub token", r"\bgh[pousr]_[A-Za-z0-9]{30,}\b"),
    ("a Slack token", r"\bxox[abprs]-[A-Za-z0-9-]{10,}"),
    ("a private key", r"-----BEGIN (?:[A-Z]+ )*PRIVATE KEY-----"),
    ("a JSON Web Token", r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\."),
)


@cache
def _key_shapes() -> tuple[tuple[str, re.Pattern[str]], ...]:
    return tuple((what, re.compile(source)) for what, source in _KEY_SHAPE_SOURCES)


def __getattr__(name: str) -> Any:
    if name == "_KEY_SHAPES":  # the compiled shapes, under the name they had
        return _key_shapes()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# A scheme followed by one credential-like word ('Bearer abc123...', 'Bearer <token>'), so that
# prose such as 'Token Counter' in an ordinary header is not taken for a credential.
@cache
def _credential_scheme() -> re.Pattern[str]:
    return re.compile(
        r"^\s*(?:Bearer|Basic|Token|Api-Key)\s+(?:<[^<>{}]+>|[A-Za-z0-9._~+/=:-]{8,})\s*$",
        re.IGNORECASE,
    )


CREDENTIAL_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "x-api-key", "api-key", "x-goog-api-key"}
)
CREDENTIAL_KEYS = re.compile(
    r"^(?:api[_-]?key|apikey|password|passwd|secret|client[_-]?secret|access[_-]?token|"
    r"auth[_-]?token|token|access[_-]?key|secret[_-]?key|private[_-]?key)$",
    re.IGNORECASE,
)
_URL_CREDENTIAL_PARAMS = frozenset(
    {"key", "api_key", "apikey", "api-key", "token", "access_token", "sig", "password", "secret"}
)


# Every match of a _KEY_SHAPES pattern contains one of these (the patterns are case-sensitive);
# testing them first is about 20 times cheaper than running the patterns on ordinary text.
_KEY_LITERALS = (
    "sk-",
    "AKIA",
    "ASIA",
    "AIza",
    "hf_",
    "nvapi-",
    "gsk_",
    "xai-",
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    "xox",
    "PRIVATE KEY-----",
    "eyJ",
)


# One search for all the literals: every key and value of every document is tested.
_PREFILTER = re.compile("|".join(re.escape(literal) for literal in _KEY_LITERALS))


# Whether a YAML text can hold a string with one of _KEY_LITERALS. A string read from YAML
# without escapes (no backslash in the text) is made of runs of the text's characters joined by
# a space or a line break where lines were folded, so a literal without a space is in the text
# whenever it is in a string ('PRIVATE KEY-----' can be folded over two lines, its part after
# the space cannot). Each alternative starts with a rare character (for the regex engine's
# first-character skip) and holds the end of one or more literals: 'pi-' for 'nvapi-', 'ai-'
# for 'xai-', 'sk_' for 'gsk_', 'h[pousr]_' for the GitHub prefixes; a search over the text costs
# a third of one over the literals themselves, whose first letters are common in prose.
_TEXT_PREFILTER = re.compile(
    r"-(?<=sk-|pi-|ai-)|_(?<=hf_|sk_|h[pousr]_)|A(?:KIA|SIA|Iza)|KEY-----|J(?<=eyJ)|xox"
)


def text_may_hold_shapes(text: str) -> bool:
    """Whether a key or value of the document read from the YAML ``text`` can be key-shaped
    or a URL with credentials; False rules that out for every string without visiting them.

    An escape (``\\x41KIA``, a line break escaped in a double-quoted string) or a byte order
    mark (which a reader may drop) can build a literal the text does not hold: such a text
    is never ruled out.
    """
    if "\\" in text or "\ufeff" in text or _TEXT_PREFILTER.search(text):
        return True
    # url_credentials needs '://' and after it '@' (user:password@) or '?' (a query)
    scheme = text.find("://")
    return scheme >= 0 and (text.find("@", scheme) >= 0 or text.find("?", scheme) >= 0)


def key_shape(value: str) -> str | None:
    """What kind of secret ``value`` looks like, or None."""
    if not _PREFILTER.search(value):
        return None
    for what, pattern in _key_shapes():
        if pattern.search(value):
            return what
    return None


def credential_in_header(value: str) -> bool:
    """A header value such as 'Bearer abc123' (a template such as '{{ x }}' is not)."""
    return bool(_credential_scheme().match(value))


def url_credentials(value: str) -> str | None:
    """What credential a URL carries (user:password@ or a key in the query), or None."""
    if "://" not in value or ("@" not in value and "?" not in value):
        return None  # no user:password@ and no query: nothing for urlsplit to find
    try:
        parts = urlsplit(value.strip())
        password = parts.password
    except ValueError:
        return None
    if password:
        return "a password in the URL (user:password@host)"
    for name, param_value in parse_qsl(parts.query, keep_blank_values=False):
        if name.lower() in _URL_CREDENTIAL_PARAMS and param_value:
            return f"a credential in the URL's query parameter {name!r}"
    return None


def redact(text: str) -> str:
    """``text`` with anything secret-shaped replaced, for messages; long text is shortened."""
    if key_shape(text) or credential_in_header(text) or url_credentials(text):
        return "<redacted>"
    if len(text) > 60:
        return text[:57] + "..."
    return text


REDACTED = "<redacted>"


@cache
def _text_patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """For scrub (a run with findings), compiled on first use: a private key block (the shape
    widened for text: with its body, up to its END line), a URL, user:password@ in a URL (also
    where urlsplit gives up: a port out of range, a bad IPv6 host), a scheme and its value."""
    return (
        re.compile(
            r"-----BEGIN (?:[A-Z]+ )*PRIVATE KEY-----.*?"
            r"(?:-----END (?:[A-Z]+ )*PRIVATE KEY-----|\Z)",
            re.DOTALL,
        ),
        re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s'\"<>`]+"),
        re.compile(r"://[^/?#@\s]*:[^/?#@\s]*@"),
        re.compile(r"\b(Bearer|Basic|Token|Api-Key)(\s+)[A-Za-z0-9._~+/=:-]{8,}", re.I),
    )


def _url_secret(url: str) -> bool:
    return bool(_text_patterns()[2].search(url) or url_credentials(url))


def scrub(text: str) -> str:
    """``text`` with every secret-shaped part replaced by ``<redacted>``: the one redaction that
    every message, JSON Pointer and import error goes through before it is shown or stored."""
    private_key_block, url_token, _userinfo, scheme_value = _text_patterns()
    if _PREFILTER.search(text):
        text = private_key_block.sub(REDACTED, text)
        for _what, pattern in _key_shapes():
            text = pattern.sub(REDACTED, text)
    if "://" in text:
        text = url_token.sub(lambda m: REDACTED if _url_secret(m.group()) else m.group(), text)
    return scheme_value.sub(lambda m: m.group(1) + m.group(2) + REDACTED, text)


# -- where a document holds secrets --------------------------------------------------------------

HEADER_MAPS = ("default_extra_headers", "required_extra_headers")
BODY_MAPS = ("default_extra_body", "required_extra_body", "params")

Path = tuple[Any, ...]  # str keys and int indexes


class Leak(Frozen):
    """One secret a document holds: where (``path`` from the root), what it looks like, and how
    it was recognised (``how``):

    - ``header``: a credential header by its name (Authorization, X-Api-Key, ...);
    - ``header-value``: a header whose value is 'Bearer abc...' or alike;
    - ``credential-key``: a body or params key named like a credential (api_key, password...);
    - ``value``: a string shaped like a key or a URL with credentials, anywhere;
    - ``key``: a mapping key shaped like a key (``at_key``: the key itself is the secret).
    """

    _fields = ("path", "how", "what")
    __slots__ = _fields
    path: Path
    how: str
    what: str

    def __init__(self, path: Path, how: str, what: str = "") -> None:
        put = object.__setattr__
        put(self, "path", path)
        put(self, "how", how)
        put(self, "what", what)

    @property
    def at_key(self) -> bool:
        return self.how == "key"


def _credential_keys(value: Any, path: Path, found: dict[Path, Leak]) -> None:
    # only collections are descended into: a scalar below a mapping key holds no key itself
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, str):
                if item and isinstance(key, str) and CREDENTIAL_KEYS.match(key):
                    child = (*path, key)
                    found[child] = Leak(child, "credential-key")
            elif isinstance(item, (dict, list)):
                _credential_keys(item, (*path, key), found)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, (dict, list)):
                _credential_keys(item, (*path, index), found)


def _shapes(value: Any, path: Path, found: dict[Path, Leak], keys: list[Leak]) -> None:
    items: Any = value.items() if isinstance(value, dict) else enumerate(value)
    for key, item in items:
        child = (*path, key)
        if isinstance(key, str) and (what := key_shape(key)):
            keys.append(Leak(child, "key", what))
        if isinstance(item, str):
            if child not in found and (what := key_shape(item) or url_credentials(item) or ""):
                found[child] = Leak(child, "value", what)
        elif isinstance(item, (dict, list)):
            _shapes(item, child, found, keys)


def locate(doc: Any, text: str | None = None) -> list[Leak]:
    """Every secret ``doc`` holds, each once, in document order: the one detector behind the
    ``inline-secret`` rule, the scrubbing of imports and (by its shapes) message redaction.

    ``text``: the YAML text ``doc`` was read from, if it was; when it rules out every shape
    (:func:`text_may_hold_shapes`) the strings are not visited one by one."""
    if not isinstance(doc, dict):
        return []
    found: dict[Path, Leak] = {}
    for name in HEADER_MAPS:
        headers = doc.get(name)
        if not isinstance(headers, dict):
            continue
        for header, value in headers.items():
            if not isinstance(header, str):
                continue
            if header.lower() in CREDENTIAL_HEADERS:
                found[(name, header)] = Leak((name, header), "header")
            elif isinstance(value, str) and credential_in_header(value):
                found[(name, header)] = Leak((name, header), "header-value")
    for name in BODY_MAPS:
        _credential_keys(doc.get(name), (name,), found)
    keys: list[Leak] = []
    if text is None or text_may_hold_shapes(text):
        _shapes(doc, (), found, keys)
    return [*found.values(), *keys]
