"""The fast reader's character check, rewritten to compile quickly, still refuses exactly the
characters it refused: every character but LF, CR, x20-x7E, xA0-U+2027, U+202A-U+D7FF,
U+E000-U+FFFD and the planes above (the negated class it was first written as)."""

from __future__ import annotations

import re

from llmreg import fast_source

ALLOWED = re.compile(
    "[\x0a\x0d\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)


def test_not_allowed_is_the_complement_of_the_allowed_ranges_over_every_code_point() -> None:
    everything = "".join(map(chr, range(0x110000)))
    refused = {m.start() for m in fast_source._NOT_ALLOWED.finditer(everything)}
    allowed = {m.start() for m in ALLOWED.finditer(everything)}
    assert not refused & allowed
    assert len(refused) + len(allowed) == 0x110000
    assert {0x09, 0x85, 0x2028, 0x2029, 0xD800, 0xFFFE} <= refused
    assert {0x0A, 0x0D, 0x20, 0xA0, 0xFFFD, 0x10000, 0x10FFFF} <= allowed
