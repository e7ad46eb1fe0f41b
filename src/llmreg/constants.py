"""Values shared by the models and the checker, in a module that imports nothing.

``llmreg check`` needs some of the models' defaults but must not import pydantic for them.
"""

from __future__ import annotations

DEFAULT_AUTH_HEADER_FORMAT = "Authorization: Bearer {{ auth_secret }}"
