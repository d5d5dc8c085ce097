"""Lexicon-driven identity swapping: "She lent me her car" -> "He lent me his car".

A swap must change who a text is about and nothing else, so each rule below
exists to avoid a counterfactual that is not one:

- "her" is the object ("made her cry" -> "him") or a determiner ("her car"
  -> "his"); the next word, and for verbs that take an object and a
  complement the word before, decide (:func:`_her_is_object`).
- A first name is not swapped when it is part of a longer name or title
  ("Jack Nicholson", "Saving Private Ryan"), a place ("Kenya") or a product
  ("Jasmine rice"); a gendered noun written with a capital in mid-sentence
  is a title ("Wonder Woman", "I loved Her").
- On an all-lower-case corpus (:func:`swap_context`) names are matched in
  lower case too, except names that are common words ("frank", "will") and
  names followed by a word that, in that corpus, mostly follows first names
  (a surname: "adam sandler").
- Identity adjectives ("Black" / "white") change only where they describe
  people ("a Black woman", "white men"), never colours ("white wine").
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import islice
from typing import Iterable, Sequence

from auditkit.errors import ConfigError
from auditkit.probes._lexicon import Lexicon, english_words
from auditkit.probes._packs import builtin_lexicon, load_lexicon, resolve_lexicons

__all__ = [
    "swap_identity",
    "counterfactual_versions",
    "SwapContext",
    "swap_context",
    "is_lowercase_corpus",
    "CounterfactualText",
    "DatasetCounterfactuals",
    "dataset_counterfactuals",
]

# Words after which "her"/"his" is standalone ("gave her a book", "the book is
# his and..."), not a determiner ("her car", "his own"). Anything else (nouns,
# adjectives) counts as a determiner context. "lrb"/"rrb" are the brackets of
# tokenised corpora such as SST-2.
_STANDALONE_NEXT = frozenset(
    """
    a an the and or but nor so yet to of in on at by for with from about into onto over under
    up down out off away back around through after before since until as if because than while
    whether though although unless like near behind beside between against toward towards upon
    is was are were be been being am has have had do does did will would can could should may
    might must shall not no never any some all both each every either neither enough
    again already always also just really too well even still ever much more most less least
    yesterday today tonight tomorrow now then there here once twice later soon instead anyway
    very quite rather almost nearly only alone home anymore either
    i you he she it we they me him her us them my your his its our their mine yours hers ours theirs
    this that these those what who whom whose which how why where when something anything
    nothing everything someone anyone everyone nobody somebody anybody everybody lrb rrb
    """.split()
)
# After these, "very" still introduces a determiner use: "her very own", "her very first".
_DETERMINER_AFTER_ADVERB = {"very": {"own", "first", "best", "last", "favorite", "favourite"}}
_DETERMINER_ALWAYS = frozenset({"own", "only", "first", "last", "best", "favorite", "favourite", "new", "old"})
# "her it's ..." / "her that's ...": a clause follows, so "her" is an object ("him")
_CONTRACTIONS = frozenset({"it's", "that's", "there's", "he's", "she's", "what's", "who's", "here's"})
# Degree words that may start a noun phrase after a determiner ("her most famous role").
_DEGREE = frozenset({"most", "more", "less", "least"})
# Adjectives in -ly ("her lovely smile"); any other -ly word after "her" is an adverb ("loved her dearly").
_LY_ADJECTIVES = frozenset(
    """lovely lonely only early friendly ugly silly likely holy elderly lively deadly costly curly jolly
    family belly bully lily lily-white ghostly homely kindly lowly manly womanly motherly fatherly sisterly
    brotherly daily weekly monthly yearly nightly orderly surly wily unlikely unruly""".split()
)

# Verbs after which "her" + noun is an object and a second object: "gave her flowers".
_GIVE_VERBS = frozenset(
    """give gives gave given giving send sends sent sending bring brings brought bringing buy buys bought buying
    hand hands handed handing lend lends lent lending owe owes owed owing grant grants granted granting
    award awards awarded awarding wish wishes wished wishing""".split()
)
# Verbs after which "her" + a bare verb is an object: "made her cry", "let her go", "saw her leave".
_CAUSATIVE_VERBS = frozenset(
    """make makes made making let lets letting help helps helped helping have has had having bid bids
    see sees saw seen seeing watch watches watched watching hear hears heard hearing feel feels felt feeling
    notice notices noticed noticing""".split()
)
_PERCEPTION_VERBS = frozenset(
    "see sees saw seen seeing watch watches watched watching hear hears heard hearing notice notices noticed".split()
)
# Verbs after which "her" + an adjective ending the phrase is an object: "found her attractive".
_COMPLEMENT_VERBS = frozenset(
    """find finds found finding make makes made making keep keeps kept keeping leave leaves left leaving
    drive drives drove driven driving consider considers considered considering call calls called calling
    render renders rendered prove proves proved proven deem deems deemed think thinks thought believe
    believes believed get gets got gotten getting want wants wanted set sets setting like likes liked
    prefer prefers preferred paint paints painted portray portrays portrayed push pushes pushed
    scare scares scared""".split()
)
# Bare verbs that follow a causative verb ("made her cry"); nouns that are also verbs after "her"
# in most texts ("saw her face", "made her move") are left out on purpose.
_BASE_VERBS = frozenset(
    """go come cry laugh smile die live leave stay stop talk speak sing dance walk run fly win lose
    seem think believe know understand see hear say tell do make take get give keep try play fight kill
    eat drink sleep wake sit stand change grow learn realize realise wonder wait want need like hate fear
    forget remember kiss hug marry wear read write shine glow sound appear become suffer struggle scream
    shout yell weep sob blush tremble shake panic quit escape return succeed fail cope swim jump climb
    kneel pray dream feel look wish believe reconsider rethink question doubt pay suffer realize admit
    confess explain apologize apologise leave vanish disappear faint collapse pause hesitate""".split()
)
# Nouns in -ing that a determiner takes ("made her living").
_ING_NOUNS = frozenset(
    "living wedding clothing ending beginning building morning evening painting writing acting being feeling feelings".split()
)
_ADJECTIVES = frozenset(
    """happy unhappy sad angry crazy mad alone dead alive free busy safe sick ill nervous upset attractive
    beautiful pretty ugly cute sexy hot cold warm lonely tired bored strong weak young old rich poor famous
    proud jealous sorry glad afraid scared awake asleep drunk naked quiet silent speechless breathless wrong
    right real fake human interesting boring funny smart stupid dumb brilliant great good bad better worse
    perfect unbearable irresistible likable likeable unlikable sympathetic believable credible fascinating
    compelling insufferable annoying charming lovely sweet wise brave kind cruel mean nice rude weird odd
    strange sane insane calm fine okay ok annoyed thrilled sure confident responsible innocent guilty
    vulnerable real smarter stronger happier""".split()
)
_ADJECTIVE_SUFFIXES = ("ful", "ous", "ive", "able", "ible", "less", "ish", "ic")
# Pronouns are never part of a title ("Her Majesty" aside), so a capital after them does not stop a swap.
_PRONOUNS = frozenset("she he her his him hers herself himself".split())
_POSSESSIVES = frozenset("my your his her its our their".split())

_TOKENS = re.compile(r"[^\W\d_][\w'’-]*|['’]\w+|\S")
_PREVIOUS = re.compile(r"([^\W\d_][\w'’-]*|['’]\w+|\S)\s*$")
_SENTENCE_END = ".!?:;…\n"
_OPENERS = "\"“‘'([{«"


def _next_tokens(text: str, pos: int, k: int = 2) -> list[str]:
    return [m.group(0) for m in islice(_TOKENS.finditer(text, pos), k)]


def _previous_token(text: str, pos: int) -> tuple[str, int]:
    """The token before ``pos`` and where it starts ("", 0 at the start of the text)."""
    offset = max(0, pos - 80)
    m = _PREVIOUS.search(text, offset, pos)
    return (m.group(1), m.start(1)) if m else ("", 0)


def _at_sentence_start(text: str, pos: int) -> bool:
    before = text[max(0, pos - 80):pos].rstrip()
    return not before or before[-1] in _SENTENCE_END or before[-1] in _OPENERS


def _is_word(token: str) -> bool:
    return bool(token) and token[0].isalpha()


def _is_titlecase(token: str) -> bool:
    """A capitalised word that is not written in capitals throughout ("Jack", not "JACK")."""
    return _is_word(token) and token[0].isupper() and not (len(token) > 1 and token.isupper())


def _is_determiner(nxt: Sequence[str]) -> bool:
    """Whether "her"/"his" followed by the tokens ``nxt`` is a determiner ("her car", not "to her.")."""
    if not nxt or not _is_word(nxt[0]):
        return False  # end of text or punctuation: "to her.", "it is his,"
    low = nxt[0].lower()
    if low in _DETERMINER_ALWAYS:
        return True
    if low in _DETERMINER_AFTER_ADVERB:
        after = nxt[1].lower() if len(nxt) > 1 else ""
        return after in _DETERMINER_AFTER_ADVERB[low]
    if low in _DEGREE or (low.endswith("ly") and low not in _LY_ADJECTIVES):
        # "her most famous role", "her agreeably odd use" vs "loved her most.", "treats her badly and"
        return not _phrase_ends(nxt[1:])
    if low in _STANDALONE_NEXT:
        return False
    if nxt[0][0].isupper() and nxt[0] != "I":
        return False  # "told her Jack was late"
    if low.endswith(("n't", "’t")) or low in _CONTRACTIONS:
        return False  # "I saw her isn't", "told her it's late"
    return True


def _adjective_like(word: str) -> bool:
    if word in _ADJECTIVES or (len(word) > 4 and word.endswith(_ADJECTIVE_SUFFIXES)):
        return True
    if len(word) > 5 and word.endswith("ed") and not word.endswith(("eed", "ead")):
        return True  # a participle: "left her stranded"
    return len(word) > 5 and word.endswith("ing") and word not in _ING_NOUNS  # "found her boring"


def _phrase_ends(nxt: Sequence[str]) -> bool:
    return not nxt or not _is_word(nxt[0]) or nxt[0].lower() in _STANDALONE_NEXT


def _her_is_object(prev: str, nxt: Sequence[str]) -> bool:
    """Whether "her" between ``prev`` and ``nxt`` is an object ("him") rather than a determiner ("his").

    Examples: "made her cry", "let her go", "gave her flowers", "found her
    attractive", "told her." are objects; "her car", "made her debut",
    "found her keys", "gave her mother a call" are determiners.
    """
    if not _is_determiner(nxt):
        return True
    w1 = nxt[0].lower()
    if w1.endswith(("'s", "’s")):
        return False  # a possessive noun follows: "gave her brother's car"
    if w1 in _DETERMINER_ALWAYS or w1 in english_words("person_nouns"):
        return False  # "gave her best", "told her mother"
    p = prev.lower()
    if p in _GIVE_VERBS:
        return True
    if p in _CAUSATIVE_VERBS and w1 in _BASE_VERBS:
        return True
    if p in _PERCEPTION_VERBS and w1.endswith("ing") and w1 not in _ING_NOUNS:
        return True  # "watched her dancing"
    return p in _COMPLEMENT_VERBS and _adjective_like(w1) and _phrase_ends(nxt[1:])


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


@dataclass(frozen=True)
class SwapContext:
    """What name swapping needs to know about the corpus a text comes from.

    Attributes
    ----------
    lowercase : bool
        The corpus is written in lower case (SST-2 is), so names are matched
        in lower case too, except names that are common words.
    surnames : frozenset of str
        Lower-case words that, in this corpus, often follow a first name
        (``SURNAME_MIN_SHARE`` of their occurrences: "sandler" in "adam
        sandler"); a name before one is not swapped.
    """

    lowercase: bool = False
    surnames: frozenset = field(default_factory=frozenset)


# Share of texts with an upper-case letter below which a corpus counts as lower-case.
LOWERCASE_CORPUS_MAX_SHARE = 0.01
# On a lower-case corpus, a word counts as a surname when at least this share of its occurrences follow a
# first name: critics name people by surname alone too ("michael caine" 4 of 10 times in SST-2, "jackson"
# 3 of 23), while a common word seldom follows a first name ("love" 1 of 194).
SURNAME_MIN_SHARE = 0.1


def is_lowercase_corpus(texts: Iterable[str]) -> bool:
    """Whether fewer than 1% of the texts with cased letters contain an upper-case letter.

    Letters without case (Chinese characters) do not count: a Chinese corpus is not a lower-case one.
    """
    with_letters = with_upper = 0
    for text in texts:
        text = str(text)
        if any(c.islower() or c.isupper() for c in text):
            with_letters += 1
            with_upper += any(c.isupper() for c in text)
    return with_letters > 0 and with_upper < LOWERCASE_CORPUS_MAX_SHARE * with_letters


def _first_names(lexicons: Iterable[Lexicon]) -> frozenset[str]:
    return frozenset(
        row[g].lower() for lex in lexicons for rows in (lex.names, lex.extra_names) for row in rows for g in lex.groups
    )


_WORDS = re.compile(r"[^\W\d_][\w'’-]*")


def swap_context(texts: Sequence[str], lexicons: Sequence = ()) -> SwapContext:
    """Inspect a corpus once: is it lower-case, and which words are surnames in it.

    Parameters
    ----------
    texts : sequence of str
        The whole corpus (evaluation or training texts).
    lexicons : sequence of Lexicon or path, optional
        Lexicons whose first names are looked for, besides the built-ins.

    Returns
    -------
    SwapContext
        Pass it to :func:`swap_identity`, :func:`counterfactual_versions`.

    Examples
    --------
    >>> ctx = swap_context(["adam sandler is back", "a film by adam sandler", "adam was great"])
    >>> ctx.lowercase, sorted(ctx.surnames)
    (True, ['sandler'])
    """
    if not is_lowercase_corpus(texts):
        return SwapContext()
    lexs = list(resolve_lexicons().values()) + [lex if isinstance(lex, Lexicon) else load_lexicon(lex) for lex in lexicons]
    names = _first_names(lexs)
    # Words known to be English words, not surnames: function words, the lexicons' own terms, the verbs and
    # adjectives listed above, and past tenses and participles seen once after a name ("katie loved it").
    known = _STANDALONE_NEXT | _CONTRACTIONS | _BASE_VERBS | _ADJECTIVES | {
        w.lower() for lex in lexs for row in lex.terms for g in lex.groups for w in row[g].split()}
    total: Counter = Counter()
    after_name: Counter = Counter()
    for text in texts:
        words = _WORDS.findall(str(text).lower())
        total.update(words)
        after_name.update(b for a, b in zip(words, words[1:]) if a in names)
    surnames = frozenset(
        w for w, n in after_name.items()
        if n >= SURNAME_MIN_SHARE * total[w] and w not in known and w not in names
        and not (n < 2 and w.endswith(("ed", "ing")))  # "gosling" and "apted" follow names again and again
    )
    return SwapContext(lowercase=True, surnames=surnames)


_CASED = SwapContext()


class _Swapper:
    """Compiled swap rules from some source groups to one target group."""

    def __init__(self, lexicon: Lexicon, target: str, sources: tuple[str, ...]):
        # key (lower-cased, single-spaced source form) -> list of (lexicon form, target, form, kind)
        self.rules: dict[str, list[tuple[str, str, str | None, str]]] = {}
        kinds = ((lexicon.terms, "term"), (lexicon.adjectives, "adjective"), (lexicon.names, "name"), (lexicon.extra_names, "name"))
        for rows, kind in kinds:
            for row in rows:
                for s in sources:
                    src, tgt = row[s], row[target]
                    key = src.lower()
                    if key == tgt.lower():
                        continue
                    options = self.rules.setdefault(key, [])
                    form = row.get("form")
                    if not any(o[2] == form for o in options):  # first row wins per form: variants are never targets
                        options.append((src, tgt, form, kind))
        self.names = _first_names([lexicon])
        keys = sorted(self.rules, key=lambda k: (-len(k), k))
        if keys:
            alternation = "|".join(r"\s+".join(re.escape(part) for part in k.split(" ")) for k in keys)
            # An optional article before the word, so "an African American" can become "a European American".
            self.pattern = re.compile(rf"(?<!\w)(?:(?P<art>an?)(?P<sp>\s+))?(?P<word>{alternation})(?!\w)", re.IGNORECASE)
        else:
            self.pattern = None

    def _name_allowed(self, found: str, text: str, start: int, end: int, ctx: SwapContext) -> bool:
        low = found.lower()
        if low in english_words("place_names"):
            return False  # "Kenya"
        nxt = _next_tokens(text, end, 1)
        following = nxt[0] if nxt else ""
        if following.lower() in english_words("product_nouns"):
            return False  # "Jasmine rice"
        prev, prev_start = _previous_token(text, start)
        if _is_titlecase(found):
            # Part of a longer name or title: "Jack Nicholson", "Saving Private Ryan", "Sir Jack".
            if _is_titlecase(following) and following != "I":
                return False
            return not (_is_titlecase(prev) and prev != "I" and not _at_sentence_start(text, prev_start))
        if found.isupper():
            return len(found) > 1  # "EBONY" in capitals
        if not (found.islower() and ctx.lowercase) or low in english_words("common_word_names"):
            return False  # "frank" in a cased text is a word
        if prev.lower() in self.names or prev.lower() in english_words("titles") or following.lower() in self.names:
            return False  # "jack ryan", "sir ian"
        return following.lower() not in ctx.surnames  # "adam sandler"

    def _term_allowed(self, found: str, src: str, text: str, start: int, end: int) -> bool:
        if not (src.islower() and _is_titlecase(found)):
            return True
        if not _at_sentence_start(text, start):
            # A lower-case word with a capital in mid-sentence is a title ("Wonder Woman", "I loved Her"),
            # unless a possessive comes before it ("My Mom's car").
            return _previous_token(text, start)[0].lower() in _POSSESSIVES
        nxt = _next_tokens(text, end, 1)
        # "Sir Ian", "Mother Teresa", "Boys Don't Cry"; pronouns excepted ("Her Oscar-winning turn").
        return src.lower() in _PRONOUNS or not (nxt and _is_titlecase(nxt[0]) and nxt[0] != "I")

    def _adjective_allowed(self, found: str, src: str, text: str, start: int, end: int) -> bool:
        nxt = _next_tokens(text, end, 2)
        if nxt and nxt[0].lower() in english_words("person_modifiers") and len(nxt) > 1:
            noun = nxt[1]
        else:
            noun = nxt[0] if nxt else ""
        if noun.lower() not in english_words("person_nouns"):
            return False  # "white wine", "black comedy"
        if _is_titlecase(noun):
            return False  # a title: "Black Widow", "White Men Can't Jump"
        return not (src.islower() and _is_titlecase(found) and not _at_sentence_start(text, start))  # "White Men Can't Jump"

    def _replace(self, m: re.Match, ctx: SwapContext, fired: set) -> str:
        text = m.string
        found = m.group("word")
        start, end = m.start("word"), m.end("word")
        options = self.rules.get(" ".join(found.lower().split()))
        if options is None:
            # re.IGNORECASE also matches Unicode case-fold twins ("ſhe" for "she", "hİm" or "hım" for "him") whose
            # lower case is another string: not the lexicon's word, so it is left as it is.
            return m.group(0)
        src, tgt, _, kind = options[0]
        if kind == "name":
            allowed = self._name_allowed(found, text, start, end, ctx)
        elif kind == "adjective":
            allowed = self._adjective_allowed(found, src, text, start, end)
        else:
            allowed = self._term_allowed(found, src, text, start, end)
        if not allowed:
            return m.group(0)
        if len(options) > 1:
            nxt = _next_tokens(text, end)
            forms = {o[2] for o in options}
            if "object" in forms:
                want_det = not _her_is_object(_previous_token(text, start)[0], nxt)
            else:
                want_det = _is_determiner(nxt)
            chosen = [o for o in options if (o[2] == "possessive") == want_det]
            src, tgt, _, kind = (chosen or options)[0]
        new = _match_case(found, src, tgt)
        if ctx.lowercase:
            new = new.lower()
        elif new[:1].islower() and found[:1].isupper() and _at_sentence_start(text, start):
            new = new[0].upper() + new[1:]  # "Black women ..." -> "White women ..."
        fired.add(kind)
        article = m.group("art")
        if article:
            article = _match_case(article, article.lower(), "an" if _vowel_sound(new) else "a") + m.group("sp")
        return (article or "") + new

    def apply(self, text: str, context: SwapContext | None = None) -> tuple[str, frozenset[str]]:
        """The swapped text and the kinds of rule that fired ("term", "name", "adjective")."""
        if self.pattern is None:
            return text, frozenset()
        fired: set = set()
        out = self.pattern.sub(lambda m: self._replace(m, context or _CASED, fired), text)
        return out, frozenset(fired)

    def __call__(self, text: str, context: SwapContext | None = None) -> str:
        return self.apply(text, context)[0]


@lru_cache(maxsize=64)
def _swapper(lexicon: Lexicon, target: str, sources: tuple[str, ...]):
    """The swapper of ``lexicon`` from ``sources`` to ``target``: the lexicon's own (a Chinese lexicon's
    ``make_swapper``), else the English rules above."""
    make = getattr(lexicon, "make_swapper", None)
    return make(target, sources) if make is not None else _Swapper(lexicon, target, sources)


def _lexicon_for(attribute: str, lexicon) -> Lexicon:
    if lexicon is None:
        return builtin_lexicon(attribute)
    lex = lexicon if isinstance(lexicon, Lexicon) else load_lexicon(lexicon)
    if lex.attribute != attribute:
        raise ConfigError(f"lexicon {lex.source} is for attribute {lex.attribute!r}, not {attribute!r}; pass the matching lexicon")
    return lex


def swap_identity(
    text: str,
    attribute: str,
    *,
    target_group: str,
    source_group: str | None = None,
    lexicon=None,
    context: SwapContext | None = None,
) -> str:
    """Rewrite identity mentions in ``text`` so that they name ``target_group``.

    Whole words only ("Jacksonville" keeps its "Jack"), case-preserving
    ("She" -> "He"), possessive ``'s`` kept ("Ebony's" -> "Amanda's").
    "her" becomes "him" as an object ("made her cry", "gave her flowers",
    "found her attractive", "told her.") and "his" as a determiner ("her
    car"); "his own" -> "her own" but "it is his." -> "hers". First names map
    to the name in the same lexicon row, so a race swap keeps gender and a
    gender swap keeps race; they change only when capitalised and not part of
    a longer name ("Jack Nicholson"), a place or a product. Identity
    adjectives change only before words for people ("a Black woman").

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
    context : SwapContext, optional
        From :func:`swap_context` over the text's corpus; on a lower-case
        corpus names are matched in lower case too. Default: a cased corpus.

    Returns
    -------
    str
        The rewritten text (the same text when nothing matched).

    Examples
    --------
    >>> from auditkit.probes import swap_identity
    >>> swap_identity("She gave her sister her keys.", "gender", target_group="male")
    'He gave his brother his keys.'
    >>> swap_identity("It made her cry.", "gender", target_group="male")
    'It made him cry.'
    >>> swap_identity("Jack Nicholson met Katie.", "gender", target_group="female")
    'Jack Nicholson met Katie.'
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
    return _swapper(lex, target_group, sources)(str(text), context)


def _versions(text: str, lexicon: Lexicon, context: SwapContext | None) -> tuple[dict[str, str], frozenset[str]]:
    """The one counterfactual-version builder: ``text`` rewritten to each group, and the kinds of rule that fired.

    Probes (:func:`dataset_counterfactuals`), augmentation
    (:func:`~auditkit.probes.counterfactual_augment`) and the dashboard's
    What-if (through :func:`counterfactual_versions`) all build their
    versions here.
    """
    versions, fired = {}, set()
    for g in lexicon.groups:
        versions[g], kinds = _swapper(lexicon, g, tuple(o for o in lexicon.groups if o != g)).apply(text, context)
        fired |= kinds
    return versions, frozenset(fired)


def counterfactual_versions(text: str, lexicon: Lexicon | str, *, context: SwapContext | None = None) -> dict[str, str] | None:
    """One version of ``text`` per group, or ``None`` when it mentions no group.

    Each version has every identity mention rewritten to that group; for a
    text that mentions one group only, that group's version is the original.

    Parameters
    ----------
    text : str
    lexicon : Lexicon or str
        A lexicon, or the name of a built-in one (``"gender"``, ``"race"``).
    context : SwapContext, optional
        From :func:`swap_context`: how the text's corpus is written; default:
        a cased corpus.

    Examples
    --------
    >>> counterfactual_versions("She loved it.", "gender")
    {'female': 'She loved it.', 'male': 'He loved it.'}
    >>> counterfactual_versions("Great film.", "gender") is None
    True
    """
    lex = builtin_lexicon(lexicon) if isinstance(lexicon, str) else lexicon
    versions, _ = _versions(str(text), lex, context)
    if len(set(versions.values())) < 2:
        return None
    return versions


@dataclass(frozen=True)
class CounterfactualText:
    """One dataset text that mentions a group, with its version for every group.

    Attributes
    ----------
    index : int
        Position of the text in the corpus (its first occurrence).
    mentioned : str or None
        The group the original text mentions (its own version is the
        original), or None when it mentions several.
    versions : dict of str to str
        Group -> the text rewritten to mention that group.
    names_swapped : bool
        Whether a first name was rewritten.
    term : str
        The first term swapped, as its form in each group's version joined by
        ``/`` in group order (``"she/he"``): texts that swap the same term
        share its effect, so the statistics cluster them by it.
    """

    index: int
    mentioned: str | None
    versions: dict
    names_swapped: bool
    term: str = ""


@dataclass(frozen=True)
class DatasetCounterfactuals:
    """Counterfactual versions of a corpus for one attribute (see :func:`dataset_counterfactuals`)."""

    items: tuple
    n_texts: int
    context: SwapContext
    groups: tuple

    @property
    def n_swapped(self) -> int:
        """Distinct texts that mention a group (and so have counterfactuals)."""
        return len(self.items)

    def summary(self) -> dict:
        """JSON-ready counts for the run record.

        ``n_texts`` (texts given), ``n_swapped`` (distinct texts with a
        counterfactual), ``n_names_swapped`` (of those, texts where a first
        name changed), ``n_by_group`` (texts by the group they mention,
        ``"mixed"`` for several) and ``lowercase_corpus`` (names matched in
        lower case).
        """
        by_group = {g: 0 for g in self.groups}
        by_group["mixed"] = 0
        for item in self.items:
            by_group[item.mentioned or "mixed"] += 1
        return {
            "n_texts": self.n_texts,
            "n_swapped": self.n_swapped,
            "n_names_swapped": sum(item.names_swapped for item in self.items),
            "n_by_group": by_group,
            "lowercase_corpus": self.context.lowercase,
        }


def swapped_term(versions: dict[str, str]) -> str:
    """The first word in which a text's versions differ, lower-cased, one form per version joined by ``/``.

    Examples
    --------
    >>> swapped_term({"female": "Then my Mom called.", "male": "Then my Dad called."})
    'mom/dad'
    >>> swapped_term({"female": "She gave her keys.", "male": "He gave his keys."})
    'she/he'
    """
    tokens = [_TOKENS.findall(v) for v in versions.values()]
    for position in range(max(len(t) for t in tokens)):
        forms = [t[position] if position < len(t) else "" for t in tokens]
        if len({f.lower() for f in forms}) > 1:
            return "/".join(f.lower() for f in forms)
    return ""


def dataset_counterfactuals(texts: Sequence[str], lexicon: Lexicon, *, context: SwapContext | None = None) -> DatasetCounterfactuals:
    """Counterfactual versions of every distinct text of a corpus that mentions a group.

    Parameters
    ----------
    texts : sequence of str
    lexicon : Lexicon
    context : SwapContext, optional
        Default: :func:`swap_context` of ``texts`` with ``lexicon``, so an
        all-lower-case corpus gets lower-case name matching.

    Returns
    -------
    DatasetCounterfactuals
        ``items`` (one :class:`CounterfactualText` per distinct text that
        mentions a group, in corpus order), ``n_swapped`` and ``summary()``
        for the run record.

    Examples
    --------
    >>> from auditkit.probes import Lexicon
    >>> from auditkit.probes._packs import builtin_lexicon
    >>> cf = dataset_counterfactuals(["jack nicholson is great", "katie loved it", "she loved it"], builtin_lexicon("gender"))
    >>> [(i.index, i.mentioned) for i in cf.items], cf.summary()["n_names_swapped"]
    ([(1, 'female'), (2, 'female')], 1)
    """
    texts = [str(t) for t in texts]
    ctx = context if context is not None else swap_context(texts, [lexicon])
    items, seen = [], set()
    for i, text in enumerate(texts):
        if text in seen:
            continue
        seen.add(text)
        versions, fired = _versions(text, lexicon, ctx)
        if len(set(versions.values())) < 2:
            continue
        own = [g for g, v in versions.items() if v == text]
        items.append(CounterfactualText(index=i, mentioned=own[0] if len(own) == 1 else None, versions=versions,
                                        names_swapped="name" in fired, term=swapped_term(versions)))
    return DatasetCounterfactuals(items=tuple(items), n_texts=len(texts), context=ctx, groups=tuple(lexicon.groups))
