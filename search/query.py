"""What a person typed into the search box, read into words, prefixes and phrases.

``parse`` walks the text once, character by character (no regular expression), so reading any
input is linear in its length; the input is bounded by ``MAX_QUERY`` before it gets here and
at most ``MAX_TERMS`` terms are kept. Only letters and digits survive into a term, so nothing a
person types can reach PostgreSQL's query syntax except through ``tsquery`` below, which quotes
every word itself.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_QUERY = 200
MAX_TERMS = 8
MAX_WORD = 40


@dataclass(frozen=True)
class Term:
    """One word ("consent"), a prefix ("consen*") or a phrase ("patient photos")."""

    words: tuple[str, ...]
    prefix: bool = False

    @property
    def is_phrase(self) -> bool:
        return len(self.words) > 1

    def label(self) -> str:
        text = " ".join(self.words)
        if self.is_phrase:
            return f"“{text}”"
        return text + ("*" if self.prefix else "")


def _words(chunk: str) -> list[tuple[str, bool]]:
    """The words of a stretch of text, each with whether a "*" ended it."""
    found: list[tuple[str, bool]] = []
    word: list[str] = []
    for ch in chunk + " ":
        if ch.isalnum():
            word.append(ch.casefold())
            continue
        if word:
            found.append(("".join(word)[:MAX_WORD], ch == "*"))
            word = []
    return found


def parse(text: str) -> list[Term]:
    """Terms in the order typed: quoted stretches are phrases, a trailing "*" makes a prefix."""
    text = text[:MAX_QUERY].replace("“", '"').replace("”", '"')
    terms: list[Term] = []
    parts = text.split('"')
    for index, part in enumerate(parts):
        quoted = index % 2 == 1 and index < len(parts) - 1  # an unclosed quote reads as words
        words = _words(part)
        if quoted and len(words) > 1:
            terms.append(Term(tuple(w for w, _ in words)))
        else:
            terms.extend(Term((w,), prefix=star) for w, star in words)
    unique: list[Term] = []
    for term in terms:
        if term not in unique:
            unique.append(term)
    return unique[:MAX_TERMS]


def tsquery(terms: list[Term]) -> str:
    """PostgreSQL ``to_tsquery`` text: every term must match; phrases keep their word order."""
    parts = []
    for term in terms:
        quoted = [f"'{w}'" for w in term.words]
        if term.is_phrase:
            parts.append("(" + " <-> ".join(quoted) + ")")
        else:
            parts.append(quoted[0] + (":*" if term.prefix else ""))
    return " & ".join(parts)


def root(word: str) -> str:
    """A word without a common English ending, so "nurses" lights up "nurse" and "nursing"."""
    for ending in ("ing", "es", "ed", "s"):
        if word.endswith(ending) and len(word) - len(ending) >= 4:
            return word[: -len(ending)]
    return word
