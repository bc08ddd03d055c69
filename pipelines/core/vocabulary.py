"""A token vocabulary fitted on the training split: special tokens first, then tokens
by falling count (ties alphabetical, so it does not depend on the order of the texts).

```
ids[t]  = index of t in tokens, else unk_id
tokens  = [*specials, top (max_size - len(specials)) tokens seen >= min_count times]
```
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass
class Vocabulary:
    """Tokens by id; ``unk_id`` is what an unknown token maps to.

    Args:
        tokens: The vocabulary, index = token id (specials first).
        unk_id: Id of the unknown-token symbol.
    """

    tokens: list[str]
    unk_id: int = 1

    def __post_init__(self):
        self.index = {t: i for i, t in enumerate(self.tokens)}

    @classmethod
    def fit(cls, token_lists: Iterable[Sequence[str]], max_size: int,
            specials: Sequence[str], min_count: int = 1, unk: str = "<unk>") -> Vocabulary:
        """Count the tokens of ``token_lists`` and keep the ``max_size`` most common,
        specials included."""
        counts = Counter()
        for tokens in token_lists:
            counts.update(tokens)
        ranked = sorted((t for t, c in counts.items() if c >= min_count and t not in specials),
                        key=lambda t: (-counts[t], t))
        tokens = [*specials, *ranked[: max(0, max_size - len(specials))]]
        return cls(tokens, tokens.index(unk) if unk in tokens else 1)

    def __len__(self):
        return len(self.tokens)

    def ids(self, tokens: Iterable[str]) -> list[int]:
        get, unk = self.index.get, self.unk_id
        return [get(t, unk) for t in tokens]

    def words(self, ids: Iterable[int]) -> list[str]:
        return [self.tokens[int(i)] for i in ids]
