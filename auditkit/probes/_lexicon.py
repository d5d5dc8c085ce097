"""Identity lexicons: which words name which group of which attribute.

A :class:`Lexicon` is the runtime form of one attribute of a probe pack (see
:mod:`auditkit.probes._packs`): its groups, the gap it reports, its typed
probe families and the vocabulary the language's swapper rewrites. This
module holds the type and the row checks every pack and lexicon file goes
through; loading lives in :mod:`auditkit.probes._packs`.

Every row of a word list maps every group to its word or phrase; rows are
matched sets, and no row may repeat a word another row of the same list gives
the same group (a repeated row would count one matched set twice). A
``terms`` row marked ``"variant": true`` is a spelling variant of an earlier
row ("mum" beside "mom"): its words are rewritten like that row's, but the
earlier row's words are never rewritten into it, so round trips are stable
("Ms" -> "Mr" -> "Ms"). ``form`` disambiguates one word with two
translations ("her" is both "his" and "him"): ``possessive`` marks the
determiner use, any other value the standalone use. Names only match when
capitalised (on an all-lower-case corpus, see
:func:`auditkit.probes.swap_context`, also in lower case). ``adjectives``
rows ("Black" / "white") are swapped only where they describe people ("a
Black woman", "white men"), never elsewhere ("white wine").
``identity_words`` count as identity mentions (for attribution) but are never
swapped.

``packs/en_words.json`` holds the English word lists swapping needs (names
that are also common words, places, person nouns): see :func:`english_words`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from importlib import resources
from typing import Mapping

from auditkit.errors import ConfigError

__all__ = ["Lexicon", "ListInfo", "check_rows", "check_distinct", "english_words", "RESERVED_NAMES"]

# Keys of the run.json "bias" section that are not attributes.
RESERVED_NAMES = frozenset({"target_label", "target_label_reason", "settings", "observed_groups", "classes"})
NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")

ERR_REPEATED_TERM = (
    "{where}: {key}[{i}] repeats {word!r} for group {group!r} from {first}; every row must be a different "
    "matched set, so remove or change one of them{hint}"
)


@dataclass(frozen=True)
class ListInfo:
    """Where one list of a pack came from: shown by ``auditkit probes show``."""

    name: str
    n_rows: int
    source: str
    licence: str
    derivation: str = ""


@dataclass(frozen=True, eq=False)
class Lexicon:
    """One attribute of a probe pack: its groups, gap, families and the words that mark its groups.

    Attributes
    ----------
    attribute : str
        Attribute name, e.g. ``"gender"``.
    groups : tuple of str
        Group names, e.g. ``("female", "male")``.
    gap : tuple of (str, str)
        The reported gap is ``mean(gap[0]) - mean(gap[1])``.
    terms : tuple of dict
        Swappable word rows (group -> word, optional ``form``).
    names : tuple of dict
        First-name rows swapped in texts (and, for a lexicon file, used in templates).
    extra_names : tuple of dict
        First-name rows used in swapping only.
    adjectives : tuple of dict
        Identity adjective rows ("Black" / "white"), swapped only before a
        word for people.
    identity_words : dict of str to tuple of str
        Words that mark a group but are never swapped.
    person_phrases : dict of str to tuple of dict
        A lexicon file's template fillers per family suffix (``"nouns"`` ->
        ``templates_nouns``); pack attributes keep their rows in ``families``.
    source : str
        File (or pack) the attribute came from.
    description : str
    families : tuple of ProbeFamily
        The attribute's probe families, in run order (see :mod:`auditkit.probes._families`).
    pack : str
        Name of the pack that defines it.
    language : str
        Language of the pack (its swapper rewrites the dataset counterfactuals).
    lists : tuple of ListInfo
        Source and licence of every list.
    crosses : dict, optional
        For an intersection: group -> {attribute: its group}.
    """

    attribute: str
    groups: tuple[str, ...]
    gap: tuple[str, str]
    terms: tuple[dict, ...] = ()
    names: tuple[dict, ...] = ()
    extra_names: tuple[dict, ...] = ()
    adjectives: tuple[dict, ...] = ()
    identity_words: dict = field(default_factory=dict)
    person_phrases: dict = field(default_factory=dict)
    source: str = "<memory>"
    description: str = ""
    families: tuple = ()
    pack: str = ""
    language: str = "en"
    lists: tuple[ListInfo, ...] = ()
    crosses: dict | None = None

    @property
    def is_empty(self) -> bool:
        return not (self.terms or self.names or self.extra_names or self.adjectives or any(self.person_phrases.values())
                    or any(getattr(f, "rows", ()) for f in self.families))

    def family(self, name: str):
        """The family called ``name`` (KeyError when the attribute has none)."""
        for f in self.families:
            if f.name == name:
                return f
        raise KeyError(name)


def _is_terms(key: str) -> bool:
    """Whether a list key names a ``terms`` list (the only one with variant rows)."""
    return key == "terms" or key.startswith("swap.terms")


def check_rows(rows, groups, where: str, key: str) -> tuple[dict, ...]:
    """Rows with every group's word, whitespace collapsed (``form``/``variant`` kept); ConfigError otherwise."""
    if rows is None:
        return ()
    if not isinstance(rows, list):
        raise ConfigError(f"{where}: {key!r} must be a list of rows like {{group: word}}")
    out = []
    for i, row in enumerate(rows):
        if not isinstance(row, dict):
            raise ConfigError(f"{where}: {key}[{i}] must be an object mapping each group to a word")
        missing = [g for g in groups if not isinstance(row.get(g), str) or not row.get(g).strip()]
        if missing:
            raise ConfigError(f"{where}: {key}[{i}] has no word for group(s) {', '.join(missing)}; every row needs every group")
        clean = {g: " ".join(row[g].split()) for g in groups}
        if "form" in row:
            clean["form"] = str(row["form"])
        if _is_terms(key) and row.get("variant") is True:
            clean["variant"] = True
        out.append(clean)
    return tuple(out)


def check_distinct(rows_by_key: Mapping[str, tuple], groups, where: str) -> None:
    """Raise when two rows give one group the same word (and form), unless the later one is a variant."""
    seen: dict[tuple, str] = {}
    for key, rows in rows_by_key.items():
        for i, row in enumerate(rows):
            for g in groups:
                word = row[g].lower()
                slot = (g, word, row.get("form"))
                if slot in seen and not row.get("variant"):
                    hint = ', or mark it "variant": true' if _is_terms(key) else ""
                    raise ConfigError(ERR_REPEATED_TERM.format(where=where, key=key, i=i, word=row[g], group=g,
                                                               first=seen[slot], hint=hint))
                seen.setdefault(slot, f"{key}[{i}]")


_ENGLISH: dict[str, frozenset[str]] = {}


def english_words(kind: str) -> frozenset[str]:
    """A lower-case English word list from ``packs/en_words.json``.

    ``kind`` is one of ``common_word_names`` (first names that are also
    common words: "frank", "will"), ``place_names``, ``product_nouns``
    ("rice" in "Jasmine rice"), ``person_nouns``, ``person_modifiers`` and
    ``titles``.
    """
    if not _ENGLISH:
        text = resources.files("auditkit.probes").joinpath("packs", "en_words.json").read_text(encoding="utf-8")
        _ENGLISH.update({k: frozenset(v) for k, v in json.loads(text).items() if isinstance(v, list)})
    return _ENGLISH[kind]
