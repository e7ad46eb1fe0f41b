"""Makes ``tests/helpers`` importable as ``helpers`` from every test folder.

pytest puts only a test file's own folder on ``sys.path``; the shared helpers live one level up.
"""

from __future__ import annotations

import sys
from pathlib import Path

TESTS = str(Path(__file__).resolve().parent)
if TESTS not in sys.path:
    sys.path.insert(0, TESTS)
