"""Mutated playbooks: what a careless edit, a bad merge or a hostile pull request can make.

A mutation is a few `Op`s, each a kind and three numbers the kind reads modulo what it needs
(a byte offset, a line, an entry of a table), so that hypothesis (tests/lint/test_fuzz.py) can
draw and shrink them and `benchmarks/fuzz_playbooks.py` can draw them from a seeded random
generator: the same mutants either way.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from pathlib import Path

from incidentctl.app.scaffold import starter_playbook
from incidentctl.render.paths import builtin_playbooks_dir

Op = tuple[int, int, int, int]

# bytes inserted as they are: encodings, YAML punctuation, tags, anchors, escapes
SNIPPETS: list[bytes] = [
    b"\x00",
    b"\x07",
    b"\x1b[31m",
    b"\xff",
    b"\xc3",
    b"\xe9",
    b"\xef\xbb\xbf",
    b"\xe2\x80\xae",
    b"\t",
    b"\r",
    b"\n",
    b"{",
    b"}",
    b"[",
    b"]",
    b": ",
    b"- ",
    b"#",
    b"'",
    b'"',
    b"&a ",
    b"*a",
    b"*nowhere",
    b"!!float ",
    b"!!int ",
    b"!!bool ",
    b"!!timestamp ",
    b"!!binary ",
    b"!!python/object:os.system ",
    b"!custom ",
    b"<<: *a\n",
    b"? ",
    b"|\n",
    b"---\n",
    b"%YAML 1.1\n",
    b"${",
    b"{seq[0]}",
    b"{stage}",
]

# a value as written after `key: `: other types, refusals of the tags, paths, huge values
VALUES: list[str] = [
    "",
    "null",
    "~",
    "true",
    "maybe",
    "0",
    "-1",
    "1e999",
    "0x1F",
    "3.5",
    "2001-99-99",
    "2025-12-19",
    "!!float x",
    "!!int x",
    "!!bool maybe",
    "!!timestamp 2001-99-99",
    "!!python/object/apply:os.system [ls]",
    "9" * 5000,
    "x" * 100_000,
    "[]",
    "{}",
    "[a, b]",
    "{a: 1}",
    "*a",
    "&a [x, y]",
    "'{seq[0]}'",
    "'INC-{seq.real}'",
    "'INC-{seq!r}'",
    "'INC-{nope}'",
    "'INC-{seq:0200000000d}'",
    "'INC-{seq:*<9999999}'",
    "/",
    "/etc",
    "/proc",
    "''",
    ".",
    "..",
    "templates",
    "'${UNSET'",
    "'${HOME}'",
    "'@here <!channel>'",
    "'\\e]0;pwned\\a'",
    "'x.txt'",
    '"a\\0.j2"',
    '"\\0\\e]0;x\\a\\x85\\u202e\\U0010ffff"',
    "'../incidentctl.yaml'",
]

# whole lines put in at a line's indentation
LINES: list[str] = [
    "templates: /",
    "templates: /etc",
    "templates: ''",
    "templates: templates",
    "incident_id_format: 'INC-{seq[0]}'",
    "incident_id_format: 'INC-{seq:0200000000d}'",
    "<<: *a",
    "<<: {a: 1}",
    "? [a, b]",
    ": x",
    "extra: &a [x, x, x]",
    "- x",
    "templates: {text: 'x-{stage}.j2'}",
    "type: webhook",
    "url: http://127.0.0.1:9/${HOOK}",
]

NESTING = (10, 63, 64, 65, 985, 5000)


def alias_bomb(depth: int, name: str = "b") -> str:
    """The "billion laughs" (340 bytes at depth 7): each level nine aliases of the one before."""
    lines = [f'{name}0: &{name}0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [
        f"{name}{n}: &{name}{n} [{','.join([f'*{name}{n - 1}'] * 9)}]" for n in range(1, depth)
    ]
    return "\n".join(lines) + "\n"


def _lines(data: bytes) -> list[bytes]:
    return data.split(b"\n")


def _value_span(line: bytes) -> int | None:
    """Where the value of a `key: value` line starts."""
    match = re.match(rb"^\s*(?:- )?[^:#\s][^:#]*:( |$)", line)
    return match.end() if match else None


def _set_value(data: bytes, at: int, value: bytes) -> bytes:
    lines = _lines(data)
    keyed = [i for i, line in enumerate(lines) if _value_span(line) is not None]
    if not keyed:
        return data + value
    index = keyed[at % len(keyed)]
    start = _value_span(lines[index]) or 0
    lines[index] = lines[index][:start].rstrip(b" ") + b" " + value
    return b"\n".join(lines)


def _flip(data: bytes, a: int, b: int, c: int) -> bytes:
    if not data:
        return bytes([b % 256])
    at = a % len(data)
    return data[:at] + bytes([b % 256]) + data[at + 1 :]


def _insert(data: bytes, a: int, b: int, c: int) -> bytes:
    at = a % (len(data) + 1)
    return data[:at] + SNIPPETS[b % len(SNIPPETS)] + data[at:]


def _delete_line(data: bytes, a: int, b: int, c: int) -> bytes:
    lines = _lines(data)
    del lines[a % len(lines)]
    return b"\n".join(lines)


def _duplicate_line(data: bytes, a: int, b: int, c: int) -> bytes:
    lines = _lines(data)
    lines.insert(b % (len(lines) + 1), lines[a % len(lines)])
    return b"\n".join(lines)


def _swap_lines(data: bytes, a: int, b: int, c: int) -> bytes:
    lines = _lines(data)
    i, j = a % len(lines), b % len(lines)
    lines[i], lines[j] = lines[j], lines[i]
    return b"\n".join(lines)


def _swap_type(data: bytes, a: int, b: int, c: int) -> bytes:
    return _set_value(data, a, VALUES[b % len(VALUES)].encode())


def _alias(data: bytes, a: int, b: int, c: int) -> bytes:
    """An anchor on one value, an alias of it as another."""
    lines = _lines(data)
    keyed = [i for i, line in enumerate(lines) if _value_span(line) is not None]
    if not keyed:
        return data
    index = keyed[a % len(keyed)]
    start = _value_span(lines[index]) or 0
    lines[index] = lines[index][:start].rstrip(b" ") + b" &a " + lines[index][start:]
    return _set_value(b"\n".join(lines), b, b"*a")


def _nest(data: bytes, a: int, b: int, c: int) -> bytes:
    depth = NESTING[b % len(NESTING)]
    brackets = "[{"[c % 2] * depth if c % 3 else "[" * depth
    closing = brackets[::-1].replace("[", "]").replace("{", "}")
    inner = "a: 1" if brackets.endswith("{") else "1"
    return _set_value(data, a, f"{brackets}{inner}{closing}".encode())


def _bomb(data: bytes, a: int, b: int, c: int) -> bytes:
    bomb = alias_bomb(3 + b % 8).encode()
    return data + b"\n" + bomb if a % 2 else bomb + data


def _put_line(data: bytes, a: int, b: int, c: int) -> bytes:
    lines = _lines(data)
    index = a % len(lines)
    indent = re.match(rb"^\s*", lines[index])
    lines.insert(index, (indent[0] if indent else b"") + LINES[b % len(LINES)].encode())
    return b"\n".join(lines)


def _huge(data: bytes, a: int, b: int, c: int) -> bytes:
    size = 10 ** (3 + b % 4)
    return _set_value(data, a, b"x" * size)


MUTATIONS: list[Callable[[bytes, int, int, int], bytes]] = [
    _flip,
    _insert,
    _delete_line,
    _duplicate_line,
    _swap_lines,
    _swap_type,
    _alias,
    _nest,
    _bomb,
    _put_line,
    _huge,
]


def seeds() -> dict[str, bytes]:
    """The playbooks mutants are made from: the shipped examples and the scaffolded one."""
    found = {
        path.name: path.read_bytes()
        for path in sorted(Path(builtin_playbooks_dir()).glob("*.yaml"))
    }
    found["scaffold-en.yaml"] = starter_playbook("en").encode("utf-8")
    return found


def mutate(data: bytes, ops: list[Op]) -> bytes:
    for kind, a, b, c in ops:
        data = MUTATIONS[kind % len(MUTATIONS)](data, a, b, c)
    return data


def random_ops(rng: random.Random) -> list[Op]:
    """One to four mutations, drawn as hypothesis draws them in the fuzz test."""
    return [
        (
            rng.randrange(len(MUTATIONS)),
            rng.randrange(1 << 16),
            rng.randrange(1 << 16),
            rng.randrange(1 << 16),
        )
        for _ in range(rng.randint(1, 4))
    ]
