"""Which source words a translation copies unchanged: numbers and names, nothing else.

```
copyable(w) = w is a number (3, 10:30, 1,000)
              or w is capitalised (Tom, Zoltan; not I, OK) and not `translated` and
                 (w is not sentence-initial  or  w is one of `names`)
names       = capitalised words never seen lower-case in the training sources (Tom, Boston)
translated  = capitalised training-source words whose pairs carry them verbatim into the
              target less than half the time (English -> inglés, Spain -> España, I'm)
```
A word is a run of letters; sentence-initial means no word or number before it since
the start of the line or the last ``. ! ? … ¿ ¡ : "``. A lower-case word is never
copied: the decoder spells it in subwords ("Can I try?" never becomes "¿Puedo try?").

How a copy reaches the output (the subword codec): each distinct copyable word gets a
tag ``｟k｠`` (k = 1, 2, ... in order of first appearance, at most ``max_copies``), put
right after the word in the source, so the encoder still reads the word itself (Mary:
"cansada", not "cansado"); in a training target every occurrence of that word is
replaced by its tag. The decoder thus learns to emit ``｟k｠`` where the k-th copyable
word belongs, and `untag` writes the word back in. A tag whose word the source lacks is
dropped.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

_RUNS = re.compile(r"\d+(?:[.,:]\d+)*|[^\W\d_]+")
_SENTENCE_START = set('.!?…¿¡:"“«')
_TAG = re.compile(r"( ?)｟(\d+)｠")


def tag(k: int) -> str:
    """The copy tag of the k-th copied word (k from 1), an atomic piece of the codec."""
    return f"｟{k}｠"


def is_number(word: str) -> bool:
    return word[:1].isdigit()


def is_capitalised(word: str) -> bool:
    """An upper-case first letter and a lower-case letter after it (Tom, McDonald)."""
    return len(word) > 1 and word[0].isupper() and any(c.islower() for c in word[1:])


def runs(text: str) -> Iterable[tuple[re.Match, bool]]:
    """The words and numbers of ``text``, each with whether it starts a sentence."""
    initial, last = True, 0
    for match in _RUNS.finditer(text):
        if any(c in _SENTENCE_START for c in text[last : match.start()]):
            initial = True
        yield match, initial
        initial, last = False, match.end()


@dataclass
class CopyRule:
    """The rule of the module doc, fitted on the training pairs (`fit`).

    Args:
        names: Capitalised words copied even at the start of a sentence.
        translated: Capitalised words never copied.
        max_copies: Tags ``｟1｠`` ... ``｟max_copies｠``; further copyable words of a
            sentence are not tagged (the decoder spells them).
    """

    names: frozenset[str] = field(default_factory=frozenset)
    translated: frozenset[str] = field(default_factory=frozenset)
    max_copies: int = 8

    def copyable(self, word: str, initial: bool) -> bool:
        if is_number(word):
            return True
        return (is_capitalised(word) and word not in self.translated
                and (not initial or word in self.names))

    def copies(self, text: str) -> list[str]:
        """The distinct copyable words of ``text``, in order of first appearance."""
        found = (m.group() for m, initial in runs(text) if self.copyable(m.group(), initial))
        return list(dict.fromkeys(found))[: self.max_copies]

    def tag_source(self, text: str) -> tuple[str, list[str]]:
        """``text`` with ``｟k｠`` right after each occurrence of its k-th copied word,
        and the copied words."""
        copies = self.copies(text)
        index = {w: k for k, w in enumerate(copies, start=1)}
        out, last = [], 0
        for match, _ in runs(text):
            k = index.get(match.group())
            if k is not None:
                out += [text[last : match.end()], tag(k)]
                last = match.end()
        return "".join(out) + text[last:], copies

    @staticmethod
    def tag_target(text: str, copies: list[str]) -> str:
        """``text`` with every word equal to the k-th copied word replaced by ``｟k｠``."""
        index = {w: k for k, w in enumerate(copies, start=1)}
        return _RUNS.sub(lambda m: tag(index[m.group()]) if m.group() in index
                         else m.group(), text)

    @staticmethod
    def untag(text: str, copies: list[str]) -> str:
        """``text`` with each ``｟k｠`` replaced by the k-th copied word (dropped, with the
        space before it, when there is no k-th word)."""

        def word(m: re.Match) -> str:
            k = int(m.group(2))
            return m.group(1) + copies[k - 1] if 1 <= k <= len(copies) else ""

        return _TAG.sub(word, text).strip()

    @classmethod
    def fit(cls, sources: Iterable[str], targets: Iterable[str],
            max_copies: int = 8) -> CopyRule:
        """``names`` and ``translated`` from the training pairs (normalized text)."""
        pairs = list(zip(sources, targets, strict=True))
        seen, lower = set(), set()
        for source, _ in pairs:
            for match, _ in runs(source):
                word = match.group()
                (seen if is_capitalised(word) else lower).add(word)
        names = frozenset(w for w in seen if w.lower() not in lower)
        rule = cls(names, frozenset(), max_copies)
        occurs, kept = Counter(), Counter()
        for source, target in pairs:
            target_words = {m.group() for m in _RUNS.finditer(target)}
            for word in rule.copies(source):
                if not is_number(word):
                    occurs[word] += 1
                    kept[word] += word in target_words
        translated = frozenset(w for w, n in occurs.items() if 2 * kept[w] < n)
        return cls(names - translated, translated, max_copies)

    def to_dict(self) -> dict:
        return {"names": sorted(self.names), "translated": sorted(self.translated),
                "max_copies": self.max_copies}

    @classmethod
    def from_dict(cls, data: dict) -> CopyRule:
        return cls(frozenset(data["names"]), frozenset(data["translated"]),
                   int(data["max_copies"]))
