"""The hostile corpus: files a hostile or careless author can write, and what llmreg must say.

Each ``Case`` is a registry (paths under the registry root and their bytes) and the one finding
that must come out of ``llmreg check`` for it (rule, file, line), or none.
``tests/cli/test_hostile.py`` runs every case through the command line and also asserts that
nothing ever prints a traceback.
``VALUES`` lists texts whose *reading* is at stake (no finding, but a value one reader gets wrong);
they are checked against both readers.

To add a case, append to ``CASES`` (or ``VALUES``). Things bytes cannot express (symlinks, FIFOs,
devices) go in ``setup``, which gets the registry root after the files are written; a case whose
setup cannot run on this platform raises ``pytest.skip`` from it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MODEL_PATH = "default/models/m.yaml"
MODEL = "kind: Model\nworkspace: default\nname: m\n"  # three lines, so a finding below is line 4+


@dataclass(frozen=True)
class Case:
    id: str
    files: Mapping[str, str | bytes]
    rule: str | None  # None: the registry is clean
    line: int = 0
    file: str = MODEL_PATH
    setup: Callable[[Path], None] | None = field(default=None, compare=False)


def model(body: str | bytes) -> dict[str, str | bytes]:
    """A registry of one model file: the model's identity, then ``body``."""
    head = MODEL.encode() if isinstance(body, bytes) else MODEL
    return {MODEL_PATH: head + body}  # type: ignore[operator]


_BOMB = "params:\n" + "".join(
    f"  l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10) if i else ', '.join(['x'] * 10)}]\n"
    for i in range(10)
)

CASES: list[Case] = [
    # -- size, bytes, encodings
    Case("alias-bomb", model(_BOMB), "yaml-limit", 9),
    Case("huge-file", model("#" * (1024 * 1024) + "\n"), "yaml-limit", 1),
    Case("binary", {MODEL_PATH: bytes(range(256)) * 16}, "encoding", 1),
    Case("nul-byte", model(b"params:\n  a: x\x00y\n"), "encoding", 5),
    Case("bad-utf8", model(b"meta:\n  description: caf\xe9\n"), "encoding", 5),
    Case("utf16", {MODEL_PATH: MODEL.encode("utf-16")}, "encoding", 1),
    Case("utf16-no-bom", {MODEL_PATH: MODEL.encode("utf-16-le")}, "encoding", 1),
    Case("control-character", model("meta:\n  description: a\x1fb\n"), "yaml-syntax", 5),
    Case("empty", {MODEL_PATH: ""}, "empty-file", 1),
    Case("only-comments", {MODEL_PATH: "# nothing\n# here\n"}, "empty-file", 1),
    # -- structure
    Case("deep-flow", model("params: " + "[" * 100_000 + "]" * 100_000 + "\n"), "yaml-limit", 4),
    Case(
        "deep-block",
        model("params:\n" + "".join(" " * (i + 1) + f"k{i}:\n" for i in range(200))),
        "yaml-limit",
        68,
    ),
    Case("tab-indent", model("meta:\n\tdescription: x\n"), "yaml-syntax", 5),
    Case("duplicate-key", model("params:\n  a: 1\n  a: 2\n"), "duplicate-key", 6),
    Case("duplicate-top-key", model("name: n\n"), "duplicate-key", 4),
    Case("multi-document", model("---\nkind: Model\n"), "multi-document", 4),
    Case("not-a-mapping", {MODEL_PATH: "- kind: Model\n"}, "not-a-mapping", 1),
    Case("merge-not-mapping", model("params:\n  <<: [1]\n"), "yaml-syntax", 5),
    Case("merge-ok", model("params:\n  <<: [{a: 1}, {b: 2}]\n  b: 3\n"), None),
    Case("alias-as-key", model("params: &p x\nmeta:\n  *p : 1\n"), "yaml-syntax", 6),
    Case("undefined-alias", model("params: *nowhere\n"), "yaml-syntax", 4),
    # -- tags: nothing is ever constructed
    Case(
        "python-object",
        model("params: !!python/object/apply:os.system ['touch PWNED']\n"),
        "unsafe-tag",
        4,
    ),
    Case(
        "python-object-key", model("params:\n  ? !!python/name:os.system\n  : x\n"), "unsafe-tag", 5
    ),
    Case("binary-tag", model("params:\n  a: !!binary aGVsbG8=\n"), "unsafe-tag", 5),
    Case("set-tag", model("params: !!set {a, b}\n"), "unsafe-tag", 4),
    # -- YAML 1.1 against 1.2
    Case("sexagesimal", model("params:\n  a: 1:20\n"), "yaml11-ambiguous", 5),
    Case("underscore-number-next-line", model("params:\n  a:\n    1_000\n"), "yaml11-ambiguous", 6),
    # -- names
    Case(
        "case-colliding-names",
        {
            "default/models/GPT-4o.yaml": "kind: Model\nworkspace: default\nname: GPT-4o\n",
            "default/models/gpt-4o.yml": "kind: Model\nworkspace: default\nname: gpt-4o\n",
        },
        "duplicate-id",
        3,
        file="default/models/gpt-4o.yml",
    ),
    # -- line breaks: lines are counted as git, GitHub and editors count them (CR LF, LF, CR);
    # NEL, LS and PS are ordinary characters in YAML 1.2
    *(
        Case(
            f"position-after-{name}",
            model(f"meta:\n  description: a{char}b\nparams: !!python/object x\n"),
            "unsafe-tag",
            6,
        )
        for name, char in (("LS", "\u2028"), ("PS", "\u2029"), ("NEL", "\x85"))
    ),
    Case(
        "suppression-after-LS",
        model(
            "meta:\n  description: a\u2028b\n"
            "params:\n  a: 1:20  # llmreg: ignore[yaml11-ambiguous]\n"
        ),
        None,
    ),
    Case(
        "LS-in-a-key-splits-nothing",
        model("params:\n  a\u2028b: 1\n  a\u2028b: 2\n"),
        "duplicate-key",
        6,
    ),
    # YAML 1.1 (libyaml) read this as two keys; in YAML 1.2 'b<PS>c: d' is 'a: b c: d'
    Case("PS-is-no-line-break", model("params:\n  a: b\u2029c: d\n"), "yaml-syntax", 5),
    Case(
        "CR-line-ends",
        {MODEL_PATH: MODEL.replace("\n", "\r") + "params: !!python/object x\r"},
        "unsafe-tag",
        4,
    ),
    Case("CR-line-ends-bad-byte", model(b"meta:\r  description: caf\xe9\r"), "encoding", 5),
    # -- where the fast reader (yaml-rs) accepted what YAML refuses
    Case("flow-block-indicator", model("meta:\n  tags: [|qwen, coding]\n"), "yaml-syntax", 5),
    Case("flow-folded-indicator", model("meta:\n  tags: [a, >x]\n"), "yaml-syntax", 5),
    Case("flow-at-sign", model("meta:\n  tags: [a, '@x', @y]\n"), "yaml-syntax", 5),
    Case("flow-map-indicator-value", model("params: {a: >x}\n"), "yaml-syntax", 4),
    # YAML 1.2 reads '[a, :x]' as ['a', ':x'] (spec example 7.10); libyaml refuses it, so it is
    # not portable YAML either way and is reported
    Case("flow-colon", model("meta:\n  tags: [a, :x]\n"), "yaml-syntax", 5),
    # a value left out right after the colon: YAML 1.2 allows it (example 7.17), libyaml does not
    Case("flow-bare-colon", model("meta:\n  tags: [a, b:]\n"), "yaml-syntax", 5),
    # a comment glued to a quoted scalar or a block header: libyaml takes it, YAML 1.2 refuses
    Case("comment-glued-to-quote", model('meta:\n  description: "x"# c\n'), "yaml-syntax", 5),
    Case("comment-glued-to-header", model("meta:\n  description: |# c\n    x\n"), "yaml-syntax", 5),
    # '?x' is text in YAML 1.2 and a mapping key for libyaml: reported, never read either way
    Case("flow-question-mark", model("meta:\n  tags: [a, ?x]\n"), "yaml-syntax", 5),
    Case("flow-map-question-mark", model("params: {?x: 1}\n"), "yaml-syntax", 4),
    Case("flow-quoted-key-over-two-lines", model('params: {"a}b\n  c": 2}\n'), "yaml-syntax", 5),
    Case(
        "flow-key-over-two-lines",
        model('params: {a: 1, "b\n  c": 2}\n'),
        "yaml-syntax",
        5,
    ),
]


# -- the file system: what bytes cannot express is made by ``setup``


def _configmap(root: Path) -> None:
    """The Kubernetes ConfigMap layout: ``default -> ..data/default``, ``..data -> ..<stamp>``."""
    (root / "..2026_12_02").mkdir()
    (root / "default").rename(root / "..2026_12_02" / "default")
    (root / "..data").symlink_to("..2026_12_02")
    (root / "default").symlink_to("..data/default")


def _link_out(root: Path) -> None:
    outside = root.parent / "elsewhere"
    (outside / "models").mkdir(parents=True)
    (outside / "models" / "m.yaml").write_text(MODEL)
    (root / "default").symlink_to(outside)


def _device(device: str) -> Callable[[Path], None]:
    def setup(root: Path) -> None:
        if not Path(device).exists():
            import pytest

            pytest.skip(f"{device} does not exist here")
        (root / "default" / "models").mkdir(parents=True)
        (root / MODEL_PATH).symlink_to(device)

    return setup


def _fifo(root: Path) -> None:
    import os

    if not hasattr(os, "mkfifo"):
        import pytest

        pytest.skip("no FIFOs on this platform")
    (root / "default" / "models").mkdir(parents=True)
    os.mkfifo(root / MODEL_PATH)


CASES += [
    # the finding proves the file behind the linked folder was read ("0 files checked" before)
    Case(
        "configmap-linked-workspace",
        model("params: !!python/object x\n"),
        "unsafe-tag",
        4,
        setup=_configmap,
    ),
    Case("workspace-linked-outside-the-root", {}, "read-error", 1, file="default", setup=_link_out),
    Case("link-to-dev-zero", {}, "read-error", 1, setup=_device("/dev/zero")),
    Case("link-to-dev-urandom", {}, "read-error", 1, setup=_device("/dev/urandom")),
    Case("fifo", {}, "read-error", 1, setup=_fifo),
]


@dataclass(frozen=True)
class Value:
    """A text the reference reader must read to ``expected`` at ``pointer``."""

    id: str
    text: str
    pointer: str
    expected: Any


_PRIVATE_USE = "".join(map(chr, range(0xE000, 0xF900)))

VALUES: list[Value] = [
    # chomping (YAML 1.2, 8.1.1.2): the last line break is content only if the text has one
    Value(
        "block-scalar-at-end-no-newline", MODEL + "params:\n  a: |\n    hello", "/params/a", "hello"
    ),
    Value("keep-block-scalar-at-end", MODEL + "params:\n  a: |+\n    hello", "/params/a", "hello"),
    Value("block-scalar-at-end", MODEL + "params:\n  a: |\n    hello\n", "/params/a", "hello\n"),
    # an empty block scalar is empty under clip and strip (spec example 8.6)
    Value("empty-block-scalar", MODEL + "params:\n  a: >\n\n\n", "/params/a", ""),
    Value("empty-block-scalar-then-key", MODEL + "params:\n  a: |\n\n  b: 1\n", "/params/a", ""),
    # NEL, LS and PS are content in YAML 1.2: no folding, no line end, no key end
    Value("LS-in-plain", MODEL + "params:\n  a: x\u2028 y\n", "/params/a", "x\u2028 y"),
    Value("NEL-in-quoted", MODEL + 'params:\n  a: "x\x85y"\n', "/params/a", "x\x85y"),
    # the reader hands libyaml stand-ins for NEL, LS and PS that the text does not hold
    Value(
        "LS-among-private-use-characters",
        MODEL + "params:\n  a: \u2028" + _PRIVATE_USE + "\n",
        "/params/a",
        "\u2028" + _PRIVATE_USE,
    ),
    Value("BOM-inside", MODEL + 'params:\n  a: "\ufeffx"\n', "/params/a", "\ufeffx"),
    Value(
        "CRLF", MODEL.replace("\n", "\r\n") + "params:\r\n  a: |\r\n    x\r\n", "/params/a", "x\n"
    ),
]
