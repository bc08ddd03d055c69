"""Inputs of ``rnnkit predict`` and ``rnnkit translate``: arguments and ``--input-file``
lines, each answered on its own.

A line of ``--input-file`` that is not UTF-8 becomes an ``Unreadable`` item: it is
reported in its place (naming the file, the line and the byte), and the other lines are
answered all the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipelines.core.errors import RnnkitUserError
from pipelines.core.serving import ERROR


@dataclass(frozen=True)
class Unreadable:
    """A line that could not be read; ``shown`` is what stands for it in the output."""

    shown: str
    error: str


def read_lines(path: Path, keep_blank: bool = False) -> list[str | Unreadable]:
    """The lines of ``path`` (blank ones dropped unless ``keep_blank``), each decoded as
    UTF-8 on its own.

    Raises:
        RnnkitUserError: the file cannot be read at all.
    """
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise RnnkitUserError(f"Cannot read --input-file {path}: {exc.strerror or exc}.") from exc
    if data.startswith(b"\xef\xbb\xbf"):  # a UTF-8 byte-order mark is not part of line 1
        data = data[3:]
    lines: list[str | Unreadable] = []
    for number, raw in enumerate(data.split(b"\n"), start=1):
        raw = raw.removesuffix(b"\r")
        if number > 1 and raw == b"" and number == data.count(b"\n") + 1:
            break  # the empty string after a final newline is not a line
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            lines.append(Unreadable(
                f"{path}:{number}",
                f"line {number} of {path} is not UTF-8 text (byte 0x{raw[exc.start]:02x} at "
                f"column {exc.start + 1}); save the file as UTF-8."))
            continue
        if keep_blank or text.strip():
            lines.append(text)
    return lines


def answer_readable(items: list[str | Unreadable], answer) -> list[dict]:
    """``answer(texts)`` for the readable items; ``{"input", "error"}`` in place of the
    others; one dict per item, in order."""
    texts = [item for item in items if not isinstance(item, Unreadable)]
    answers = iter(answer(texts) if texts else [])
    return [{"input": item.shown, ERROR: item.error} if isinstance(item, Unreadable)
            else next(answers) for item in items]
