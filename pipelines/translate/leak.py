"""Source leak: how often a translation leaves a source word untranslated.

```
known(y)        = the words of every target sentence of the training data, lower-cased
leaked(x, ŷ)    = { w : w a lower-case word of the source x, w ∉ known, w ∈ lower(words(ŷ)) }
source_leak     = 100 · share of the lines whose leaked(x, ŷ) is not empty   (%, lower is better)
```
A word is a `tokenize` token holding a letter. Only lower-case source words count, so
copied names ("Tom", "Boston") and numbers never do; a word the target language also
uses ("no", "hotel", "piano") is known and never counts. "I run my own business." ->
"Yo run mi propio negocio." leaks "run".
"""

from __future__ import annotations

from collections.abc import Iterable

from pipelines.translate.text import tokenize


def words(text: str) -> list[str]:
    """The tokens of ``text`` that hold a letter."""
    return [t for t in tokenize(text) if any(c.isalpha() for c in t)]


def known_words(targets: Iterable[str]) -> frozenset[str]:
    """The lower-cased words of the training targets."""
    return frozenset(w.lower() for t in targets for w in words(t))


def leaked(source: str, output: str, known: frozenset[str]) -> list[str]:
    """The lower-case words of ``source`` that ``output`` holds and no training target
    does, in source order."""
    out = {w.lower() for w in words(output)}
    found = (w for w in words(source) if w == w.lower() and w not in known and w in out)
    return list(dict.fromkeys(found))


def source_leak(sources: list[str], outputs: list[str], known: frozenset[str]) -> float:
    """Percentage of the lines whose output leaks a source word (0 for no lines)."""
    if not sources:
        return 0.0
    hits = sum(bool(leaked(s, o, known)) for s, o in zip(sources, outputs, strict=True))
    return 100.0 * hits / len(sources)
