"""Lexicon-driven identity swapping: "She lent me her car" -> "He lent me his car"."""

from __future__ import annotations

import re
from functools import lru_cache

from auditkit.errors import ConfigError
from auditkit.probes._lexicon import Lexicon, builtin_lexicon, load_lexicon

__all__ = ["swap_identity", "counterfactual_versions"]

# Words after which "her"/"his" is standalone ("gave her a book", "the book is
# his and..."), not a determiner ("her car", "his own"). Anything else (nouns,
# adjectives) counts as a determiner context.
_STANDALONE_NEXT = frozenset(
    """
    a an the and or but nor so yet to of in on at by for with from about into onto over under
    up down out off away back around through after before since until as if because than while
    whether though although unless like near behind beside between against toward towards upon
    is was are were be been being am has have had do does did will would can could should may
    might must shall not no never any some all both each every either neither enough
    again already always also just really too well even still ever much more most less least
    yesterday today tonight tomorrow now then there here once twice later soon instead anyway
    very quite rather almost nearly only
    i you he she it we they me him her us them my your his its our their mine yours hers ours theirs
    this that these those what who whom whose which how why where when something anything
    nothing everything someone anyone everyone nobody somebody anybody everybody
    """.split()
)
# After these, "very"/"only" still introduce a determiner use: "her very own", "her only child".
_DETERMINER_AFTER_ADVERB = {"very": {"own", "first", "best", "last", "favorite", "favourite"}}
_DETERMINER_ALWAYS = frozenset({"own", "only", "first", "last", "best", "favorite", "favourite", "new", "old"})
_NEXT_WORDS = re.compile(r"\s*([^\W\d_][\w'-]*|\S)?\s*([^\W\d_][\w'-]*)?")


# "her it's ..." / "her that's ...": a clause follows, so "her" is an object ("him")
_CONTRACTIONS = frozenset({"it's", "that's", "there's", "he's", "she's", "what's", "who's", "here's"})


def _is_determiner(rest: str) -> bool:
    """Whether a possessive-or-object word ("her", "his") followed by ``rest`` is a determiner."""
    m = _NEXT_WORDS.match(rest)
    nxt = m.group(1) if m else None
    if not nxt or not nxt[0].isalpha():
        return False  # end of text or punctuation: "to her.", "it is his,"
    low = nxt.lower()
    if low in _DETERMINER_ALWAYS:
        return True
    if low in _DETERMINER_AFTER_ADVERB:
        after = (m.group(2) or "").lower()
        return after in _DETERMINER_AFTER_ADVERB[low]
    if low in _STANDALONE_NEXT:
        return False
    if nxt[0].isupper():
        return False  # "told her Jack was late"
    if low.endswith("n't") or low in _CONTRACTIONS:
        return False  # "I saw her isn't", "told her it's late"
    return True


def _vowel_sound(word: str) -> bool:
    """Crude English a/an choice: "an aunt", "an uncle", but "a European"."""
    low = word.lower()
    return low[:1] in ("a", "e", "i", "o", "u") and not low.startswith(("eu", "uni", "use", "usu", "one", "ur"))


def _match_case(found: str, lexicon_form: str, target: str) -> str:
    if found == lexicon_form:
        return target
    if found.isupper() and len(found) > 1:
        return target.upper()
    if found.islower():
        return target.lower()
    if found[0].isupper():
        return target[0].upper() + target[1:]
    return target


class _Swapper:
    """Compiled swap rules from some source groups to one target group."""

    def __init__(self, lexicon: Lexicon, target: str, sources: tuple[str, ...]):
        # key (lower-cased, single-spaced source form) -> list of (lexicon form, target, form, is_name)
        self.rules: dict[str, list[tuple[str, str, str | None, bool]]] = {}
        for rows, is_name in ((lexicon.terms, False), (lexicon.names, True), (lexicon.extra_names, True)):
            for row in rows:
                for s in sources:
                    src, tgt = row[s], row[target]
                    key = src.lower()
                    if key == tgt.lower():
                        continue
                    options = self.rules.setdefault(key, [])
                    form = row.get("form")
                    if not any(o[2] == form for o in options):  # first row wins per form
                        options.append((src, tgt, form, is_name))
        keys = sorted(self.rules, key=lambda k: (-len(k), k))
        if keys:
            alternation = "|".join(r"\s+".join(re.escape(part) for part in k.split(" ")) for k in keys)
            # An optional article before the word, so "an African American" can become "a European American".
            self.pattern = re.compile(rf"(?<!\w)(?:(?P<art>an?)(?P<sp>\s+))?(?P<word>{alternation})(?!\w)", re.IGNORECASE)
        else:
            self.pattern = None

    def _replace(self, m: re.Match) -> str:
        found = m.group("word")
        options = self.rules[" ".join(found.lower().split())]
        src, tgt, _, is_name = options[0]
        if is_name and not found[0].isupper():
            return m.group(0)  # "frank", "jack": a name only when capitalised
        if len(options) > 1:
            want_det = _is_determiner(m.string[m.end():])
            chosen = [o for o in options if (o[2] == "possessive") == want_det]
            src, tgt, _, is_name = (chosen or options)[0]
        new = _match_case(found, src, tgt)
        article = m.group("art")
        if article:
            article = _match_case(article, article.lower(), "an" if _vowel_sound(new) else "a") + m.group("sp")
        return (article or "") + new

    def __call__(self, text: str) -> str:
        if self.pattern is None:
            return text
        return self.pattern.sub(self._replace, text)


@lru_cache(maxsize=64)
def _swapper(lexicon: Lexicon, target: str, sources: tuple[str, ...]) -> _Swapper:
    return _Swapper(lexicon, target, sources)


def _lexicon_for(attribute: str, lexicon) -> Lexicon:
    if lexicon is None:
        return builtin_lexicon(attribute)
    lex = lexicon if isinstance(lexicon, Lexicon) else load_lexicon(lexicon)
    if lex.attribute != attribute:
        raise ConfigError(f"lexicon {lex.source} is for attribute {lex.attribute!r}, not {attribute!r}; pass the matching lexicon")
    return lex


def swap_identity(text: str, attribute: str, *, target_group: str, source_group: str | None = None, lexicon=None) -> str:
    """Rewrite identity mentions in ``text`` so that they name ``target_group``.

    Whole words only ("Jacksonville" keeps its "Jack"), case-preserving
    ("She" -> "He"), possessive ``'s`` kept ("Ebony's" -> "Amanda's").
    A word with two translations is resolved from the next word: "her car"
    -> "his car" but "told her that" / "to her." -> "him"; "his own" -> "her
    own" but "it is his." -> "hers". First names map to the name in the same
    lexicon row, so a race swap keeps gender and a gender swap keeps race;
    names change only when capitalised.

    Parameters
    ----------
    text : str
    attribute : str
        ``"gender"``, ``"race"`` or the attribute of ``lexicon``.
    target_group : str
        Group the text should mention afterwards, e.g. ``"male"``.
    source_group : str, optional
        Only rewrite mentions of this group; default: every other group.
    lexicon : Lexicon or path, optional
        Default: the built-in lexicon of ``attribute``.

    Returns
    -------
    str
        The rewritten text (the same text when nothing matched).

    Examples
    --------
    >>> from auditkit.probes import swap_identity
    >>> swap_identity("She gave her sister her keys.", "gender", target_group="male")
    'He gave his brother his keys.'
    >>> swap_identity("I told her.", "gender", target_group="male")
    'I told him.'
    """
    lex = _lexicon_for(attribute, lexicon)
    if target_group not in lex.groups:
        raise ConfigError(f"unknown group {target_group!r} for attribute {attribute!r}; use one of {', '.join(lex.groups)}")
    if source_group is None:
        sources = tuple(g for g in lex.groups if g != target_group)
    elif source_group not in lex.groups or source_group == target_group:
        raise ConfigError(
            f"source group {source_group!r} must be a group of {attribute!r} other than the target ({', '.join(lex.groups)})"
        )
    else:
        sources = (source_group,)
    return _swapper(lex, target_group, sources)(str(text))


def counterfactual_versions(text: str, lexicon: Lexicon) -> dict[str, str] | None:
    """One version of ``text`` per group, or ``None`` when it mentions no group.

    Each version has every identity mention rewritten to that group; for a
    text that mentions one group only, that group's version is the original.
    """
    versions = {g: _swapper(lexicon, g, tuple(o for o in lexicon.groups if o != g))(text) for g in lexicon.groups}
    if len(set(versions.values())) < 2:
        return None
    return versions
