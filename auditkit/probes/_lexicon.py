"""Identity lexicons: which words name which group of which attribute.

A lexicon is one JSON file per attribute. The built-in ones (``gender``,
``race``) live in ``auditkit/probes/lexicons/`` with their sources written in
``SOURCES.md`` beside them; users add or replace attributes with their own
files through :func:`load_lexicon`.

File format (every key but ``attribute`` and ``groups`` is optional, but at
least one of ``terms``, ``names`` or ``person_phrases`` must hold a row)::

    {
      "attribute": "gender",
      "groups": ["female", "male"],
      "gap": ["female", "male"],
      "terms": [{"female": "she", "male": "he"},
                {"female": "her", "male": "his", "form": "possessive"},
                {"female": "her", "male": "him", "form": "object"}],
      "names": [{"female": "Ebony", "male": "Alonzo"}],
      "extra_names": [{"female": "Aisha", "male": "Hakim"}],
      "adjectives": [],
      "identity_words": {"female": [], "male": []},
      "person_phrases": {"nouns": [{"female": "this woman", "male": "this man"}]}
    }

Every row of ``terms``, ``names``, ``extra_names`` and each
``person_phrases`` list maps every group to its word or phrase; rows are
matched sets, and no row may repeat a word another row of the same key gives
the same group (a repeated row would count one matched set twice). A
``terms`` row marked ``"variant": true`` is a spelling variant of an earlier
row ("mum" beside "mom"): its words are rewritten like that row's, but the
earlier row's words are never rewritten into it, so round trips are stable
("Ms" -> "Mr" -> "Ms"). ``gap`` names the two groups whose difference (first minus
second) is reported as the attribute's gap (default: the first two groups).
``form`` disambiguates one word with two translations ("her" is both "his"
and "him"): ``possessive`` marks the determiner use, any other value the
standalone use. ``names`` are used in templates and swapping, ``extra_names``
in swapping only; names only match when capitalised (on an all-lower-case
corpus, see :func:`auditkit.probes.swap_context`, also in lower case).
``adjectives`` rows ("Black" / "white") are swapped only where they describe
people ("a Black woman", "white men"), never elsewhere ("white wine").
``identity_words`` count as identity mentions (for attribution) but are never
swapped.

Files in ``lexicons/`` whose name starts with ``_`` are not attributes:
``_english.json`` holds the English word lists swapping needs (names that are
also common words, places, person nouns).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Iterable, Mapping, Sequence

from auditkit._documents import load_json
from auditkit.errors import ConfigError

__all__ = [
    "Lexicon",
    "load_lexicon",
    "builtin_attributes",
    "builtin_lexicon",
    "resolve_lexicons",
    "identity_terms",
    "english_words",
]

_ROW_KEYS = ("terms", "names", "extra_names", "adjectives")
# Keys whose rows share one vocabulary: a word may appear in only one of their rows per group.
_DISTINCT_KEYS = (("terms", "adjectives"), ("names", "extra_names"))
# Keys of the run.json "bias" section that are not attributes.
RESERVED_NAMES = frozenset({"target_label", "target_label_reason", "settings", "observed_groups", "classes"})
_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
#: Largest lexicon file read (the built-in ones are a few KiB; 10^5 rows are a few MiB).
MAX_LEXICON_BYTES = 64 * 2**20

ERR_UNKNOWN_ATTRIBUTE = "unknown attribute {name!r}; known: {known} (add your own lexicon file with lexicon_files)"
ERR_REPEATED_TERM = (
    "lexicon {where}: {key}[{i}] repeats {word!r} for group {group!r} from {first}; every row must be a different "
    "matched set, so remove or change one of them{hint}"
)
ERR_EMPTY_FAMILY = "lexicon {where}: person_phrases.{family} has no rows; give it at least one row or remove it"
ERR_EMPTY_LEXICON = (
    "lexicon {where} for attribute {name!r} is empty; give at least one row in "
    "'terms', 'names' or 'person_phrases'"
)


@dataclass(frozen=True, eq=False)
class Lexicon:
    """The words and phrases that mark the groups of one attribute.

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
        First-name rows used in templates and in swapping.
    extra_names : tuple of dict
        First-name rows used in swapping only.
    adjectives : tuple of dict
        Identity adjective rows ("Black" / "white"), swapped only before a
        word for people.
    identity_words : dict of str to tuple of str
        Words that mark a group but are never swapped.
    person_phrases : dict of str to tuple of dict
        Template fillers per family suffix (``"nouns"`` -> ``templates_nouns``).
    source : str
        File the lexicon came from.
    description : str
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

    @property
    def is_empty(self) -> bool:
        return not (self.terms or self.names or self.extra_names or self.adjectives or any(self.person_phrases.values()))


def _check_rows(rows, groups, where: str, key: str) -> tuple[dict, ...]:
    if rows is None:
        return ()
    if not isinstance(rows, list):
        raise ConfigError(f"lexicon {where}: {key!r} must be a list of rows like {{group: word}}")
    out = []
    for i, row in enumerate(rows):
        if not isinstance(row, dict):
            raise ConfigError(f"lexicon {where}: {key}[{i}] must be an object mapping each group to a word")
        missing = [g for g in groups if not isinstance(row.get(g), str) or not row.get(g).strip()]
        if missing:
            raise ConfigError(f"lexicon {where}: {key}[{i}] has no word for group(s) {', '.join(missing)}; every row needs every group")
        clean = {g: " ".join(row[g].split()) for g in groups}
        if "form" in row:
            clean["form"] = str(row["form"])
        if key == "terms" and row.get("variant") is True:
            clean["variant"] = True
        out.append(clean)
    return tuple(out)


def _check_distinct(rows_by_key: Mapping[str, tuple], groups, where: str) -> None:
    """Raise when two rows give one group the same word (and form), unless the later one is a variant."""
    seen: dict[tuple, str] = {}
    for key, rows in rows_by_key.items():
        for i, row in enumerate(rows):
            for g in groups:
                word = row[g].lower()
                slot = (g, word, row.get("form"))
                if slot in seen and not row.get("variant"):
                    hint = ', or mark it "variant": true' if key == "terms" else ""
                    raise ConfigError(ERR_REPEATED_TERM.format(where=where, key=key, i=i, word=row[g], group=g,
                                                               first=seen[slot], hint=hint))
                seen.setdefault(slot, f"{key}[{i}]")


def lexicon_from_dict(data: Mapping, *, where: str = "<memory>") -> Lexicon:
    """Validate a parsed lexicon document and build a :class:`Lexicon`."""
    if not isinstance(data, Mapping):
        raise ConfigError(f"lexicon {where} must be a JSON object with 'attribute' and 'groups'")
    name = data.get("attribute")
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise ConfigError(f"lexicon {where} needs an 'attribute' name in lower case letters, digits and _ (got {name!r})")
    if name in RESERVED_NAMES:
        raise ConfigError(f"lexicon {where}: attribute name {name!r} is reserved; choose another name")
    groups = data.get("groups")
    if (
        not isinstance(groups, list)
        or len(groups) < 2
        or not all(isinstance(g, str) and _NAME_RE.match(g) for g in groups)
        or len(set(groups)) != len(groups)
    ):
        raise ConfigError(
            f"lexicon {where}: 'groups' must list at least two distinct group names in lower case letters, digits and _"
        )
    gap = data.get("gap", groups[:2])
    if not isinstance(gap, list) or len(gap) != 2 or gap[0] == gap[1] or not set(gap) <= set(groups):
        raise ConfigError(f"lexicon {where}: 'gap' must name two different groups from {groups}")
    rows = {key: _check_rows(data.get(key), groups, where, key) for key in _ROW_KEYS}
    for keys in _DISTINCT_KEYS:
        _check_distinct({k: rows[k] for k in keys}, groups, where)
    phrases_raw = data.get("person_phrases") or {}
    if not isinstance(phrases_raw, Mapping):
        raise ConfigError(f"lexicon {where}: 'person_phrases' must map a family suffix (e.g. 'nouns') to a list of rows")
    phrases = {}
    for suffix, prow in phrases_raw.items():
        if not _NAME_RE.match(str(suffix)) or suffix == "names":
            raise ConfigError(f"lexicon {where}: person_phrases key {suffix!r} must be lower case letters, digits and _ and not 'names'")
        checked = _check_rows(prow, groups, where, f"person_phrases.{suffix}")
        if not checked:
            raise ConfigError(ERR_EMPTY_FAMILY.format(where=where, family=suffix))
        _check_distinct({f"person_phrases.{suffix}": checked}, groups, where)
        phrases[suffix] = checked
    words_raw = data.get("identity_words") or {}
    if not isinstance(words_raw, Mapping) or not set(words_raw) <= set(groups):
        raise ConfigError(f"lexicon {where}: 'identity_words' must map groups from {groups} to lists of words")
    words = {}
    for g in groups:
        values = words_raw.get(g, [])
        if not isinstance(values, list) or not all(isinstance(w, str) for w in values):
            raise ConfigError(f"lexicon {where}: identity_words[{g!r}] must be a list of words")
        words[g] = tuple(w.strip().lower() for w in values if w.strip())
    lex = Lexicon(
        attribute=name,
        groups=tuple(groups),
        gap=(gap[0], gap[1]),
        terms=rows["terms"],
        names=rows["names"],
        extra_names=rows["extra_names"],
        adjectives=rows["adjectives"],
        identity_words=words,
        person_phrases=phrases,
        source=where,
        description=str(data.get("description", "")),
    )
    if lex.is_empty:
        raise ConfigError(ERR_EMPTY_LEXICON.format(where=where, name=name))
    return lex


def load_lexicon(path) -> Lexicon:
    """Read a lexicon JSON file (format in the module docstring).

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    Lexicon

    Raises
    ------
    ConfigError
        When the file is missing, not JSON, or not a valid lexicon.
    """
    data, where = read_lexicon_json(path)
    return lexicon_from_dict(data, where=where)


def read_lexicon_json(path) -> tuple[object, str]:
    """The parsed JSON of a lexicon file and how messages name it; one line when it is missing or not JSON."""
    p = Path(path).expanduser()
    if not p.exists() and not p.is_symlink():
        raise ConfigError(f"lexicon file {str(p)!r} does not exist; pass the path of a JSON lexicon to --lexicon")
    data = load_json(p, what="lexicon file", max_bytes=MAX_LEXICON_BYTES, error=ConfigError)
    return data, repr(str(p))


def _builtin_dir():
    return resources.files("auditkit.probes").joinpath("lexicons")


def builtin_attributes() -> tuple[str, ...]:
    """Names of the attributes shipped with auditkit, sorted."""
    return tuple(sorted(p.name[:-5] for p in _builtin_dir().iterdir() if p.name.endswith(".json") and not p.name.startswith("_")))


_ENGLISH: dict[str, frozenset[str]] = {}


def english_words(kind: str) -> frozenset[str]:
    """A lower-case English word list from ``lexicons/_english.json``.

    ``kind`` is one of ``common_word_names`` (first names that are also
    common words: "frank", "will"), ``place_names``, ``product_nouns``
    ("rice" in "Jasmine rice"), ``person_nouns``, ``person_modifiers`` and
    ``titles``.
    """
    if not _ENGLISH:
        data = json.loads(_builtin_dir().joinpath("_english.json").read_text(encoding="utf-8"))
        _ENGLISH.update({k: frozenset(v) for k, v in data.items() if isinstance(v, list)})
    return _ENGLISH[kind]


_CACHE: dict[str, Lexicon] = {}


def builtin_lexicon(attribute: str) -> Lexicon:
    """The built-in :class:`Lexicon` of ``attribute`` (``"gender"``, ``"race"``)."""
    if attribute not in _CACHE:
        if attribute not in builtin_attributes():
            raise ConfigError(ERR_UNKNOWN_ATTRIBUTE.format(name=attribute, known=", ".join(builtin_attributes())),
                              parameter="lexicon_files")
        entry = _builtin_dir().joinpath(f"{attribute}.json")
        data = json.loads(entry.read_text(encoding="utf-8"))
        _CACHE[attribute] = lexicon_from_dict(data, where=f"built-in {attribute}.json")
    return _CACHE[attribute]


def resolve_lexicons(attributes: Iterable[str] | None = None, lexicons: Sequence = ()) -> dict[str, Lexicon]:
    """Lexicons by attribute: user lexicons override built-ins of the same name.

    Parameters
    ----------
    attributes : iterable of str, optional
        Attributes wanted, in order. ``None``: every built-in attribute and
        every user lexicon.
    lexicons : sequence of Lexicon or path
        User lexicons (objects or JSON file paths).

    Raises
    ------
    ConfigError
        When an attribute is neither built in nor given by a user lexicon.
    """
    user: dict[str, Lexicon] = {}
    for item in lexicons:
        lex = item if isinstance(item, Lexicon) else load_lexicon(item)
        if lex.attribute in user:  # the last would silently win
            raise ConfigError(f"lexicons {user[lex.attribute].source} and {lex.source} both define attribute "
                              f"{lex.attribute!r}; pass one lexicon per attribute", parameter="lexicon_files")
        user[lex.attribute] = lex
    if attributes is None:
        names = list(builtin_attributes()) + [a for a in user if a not in builtin_attributes()]
    else:
        if isinstance(attributes, str):
            attributes = [attributes]
        names = []
        for a in attributes:
            a = str(a).strip()
            if a and a not in names:
                names.append(a)
        if not names:
            raise ConfigError("no attribute given; name at least one, e.g. gender,race")
    known = sorted(set(builtin_attributes()) | set(user))
    out = {}
    for a in names:
        if a in user:
            out[a] = user[a]
        elif a in builtin_attributes():
            out[a] = builtin_lexicon(a)
        else:
            raise ConfigError(ERR_UNKNOWN_ATTRIBUTE.format(name=a, known=", ".join(known)), parameter="lexicon_files")
    return out


def _row_words(rows, group) -> list[str]:
    words = []
    for row in rows:
        words.extend(re.findall(r"[\w']+", row[group].lower()))
    return words


def identity_terms(attributes: Iterable[str] | None = None, *, lexicons: Sequence = ()) -> dict[str, dict[str, frozenset[str]]]:
    """Lower-case single words that mark each group of each attribute.

    Pronouns, gendered nouns, first names and identity words ("black",
    "european"...). A word listed for more than one group of an attribute
    ("american" in "African American" and "European American") is left out,
    since it does not tell the groups apart.

    Parameters
    ----------
    attributes : iterable of str, optional
        Default: every built-in attribute (and every user lexicon).
    lexicons : sequence of Lexicon or path, optional
        User lexicons; they override built-ins of the same name.

    Returns
    -------
    dict
        ``{attribute: {group: frozenset of words}}``.

    Examples
    --------
    >>> from auditkit.probes import identity_terms
    >>> terms = identity_terms(["gender"])
    >>> "she" in terms["gender"]["female"], "him" in terms["gender"]["male"]
    (True, True)
    """
    out = {}
    for name, lex in resolve_lexicons(attributes, lexicons).items():
        per_group = {}
        for g in lex.groups:
            words = _row_words(lex.terms, g) + _row_words(lex.names, g) + _row_words(lex.extra_names, g)
            words += _row_words(lex.adjectives, g)
            words += list(lex.identity_words.get(g, ()))
            per_group[g] = set(words)
        counts: dict[str, int] = {}
        for words in per_group.values():
            for w in words:
                counts[w] = counts.get(w, 0) + 1
        out[name] = {g: frozenset(w for w in words if counts[w] == 1) for g, words in per_group.items()}
    return out
