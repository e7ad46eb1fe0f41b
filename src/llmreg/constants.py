"""Values shared by the models and the checker, in a module that imports nothing.

``llmreg check`` needs some of the models' defaults but must not import pydantic for them.
"""

from __future__ import annotations

DEFAULT_AUTH_HEADER_FORMAT = "Authorization: Bearer {{ auth_secret }}"

# RFC 8785 (config_hash) and most JSON readers hold numbers as IEEE 754 doubles: an integer is
# exact only strictly inside +-2**53 (the bound rfc8785 enforces), so a larger one would be
# read, hashed or compared as another number.
SAFE_INTEGER = 2**53

# The size limit of one definition file (``llmreg.source.Limits.max_bytes`` by default): a file
# is read up to one byte more, so that a larger one is reported without being read whole.
MAX_FILE_BYTES = 1024 * 1024
