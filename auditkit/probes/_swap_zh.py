"""Chinese identity swapping: "她和妈妈去了北京" -> "他和爸爸去了北京".

Chinese is written without spaces, so a word is only swapped where the
segmenter (jieba, see :mod:`auditkit._language`) puts a word boundary on both
sides of it. Each rule below exists to avoid a counterfactual that is not one:

- Never inside a longer word: 他人 ("others") and 其他 ("other") are not the
  pronoun 他; 男人味 ("manliness"), 女儿红 (a wine), 女生宿舍 and 女装 are
  not people; 她们 is swapped as one word (他们), not as 她 + 们.
- Names: a full name (surname + given name) from the lexicon's name rows is
  kept whole by the segmenter and only its given name changes, so 王秀英 ->
  王建国 and 李秀英 -> 李建国 (any of the rows' surnames). A full name that
  the segmenter cuts another way is left alone (张明白了 is 张 + 明白).
- Words the segmenter keeps in one piece with what comes before them: a
  title after a surname (王女士 -> 王先生: rows marked ``"form": "title"``
  take any one-character prefix) and a short kinship word after a personal
  pronoun (我妈 -> 我爸, 孩子他妈 -> 孩子他爸: rows marked ``"form": "kin"``).
- A full name that jieba's dictionary knows as a common word (高峰 "peak",
  胡琴 "huqin": :data:`NAME_MAX_WORD_FREQUENCY`) or as another part of speech
  than a person's name (高洁 "noble", an adjective) is never taken for a name.
- Titles of works: nothing inside 《》 or 〈〉 (books, films, songs: 《她》, 《他其实没
  那么喜欢你》) is swapped.
- Traditional text is matched through its Simplified form (OpenCC ``t2s``)
  and gets Traditional replacements (``s2t``): 她們的女兒 -> 他們的兒子.
- Every swap is recorded (:class:`ChineseSwap`): where, what, into what and
  by which kind of rule ("term" or "name").
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from functools import lru_cache
from importlib import resources

from auditkit._language import has_cjk, segment, simplified_view, to_traditional, word_frequency, word_tag
from auditkit.errors import ConfigError
from auditkit.probes._lexicon import Lexicon

__all__ = [
    "ChineseLexicon",
    "ChineseSwap",
    "ChineseSwapResult",
    "chinese_attributes",
    "chinese_dataset_counterfactuals",
    "chinese_lexicon",
    "chinese_lexicon_of",
    "load_chinese_lexicon",
    "swap_chinese",
]

#: Brackets whose content is a title (of a book, a film, a song) and is never swapped.
TITLE_MARKS = {"《": "》", "〈": "〉"}
#: Frequencies the swapper gives its words in the segmenter's dictionary: a full name enough to stay whole in
#: 张明说 (jieba alone: 张/明说) and too little to pull 周 out of 一周 in 一周刚过去; a whole word (他乡) enough to
#: beat its characters.
NAME_FREQUENCY = 30
WHOLE_WORD_FREQUENCY = 2000
#: A full name whose frequency in jieba's own dictionary is at least this is a common word first (高峰 1556,
#: 胡琴 89), not a name (王建国 12, 李国华 41).
NAME_MAX_WORD_FREQUENCY = 80
#: Characters after which a "kin" row's word is still a kinship word: 我妈, 你爸, 孩子他妈.
KIN_PREFIXES = frozenset("我你他她咱")


@dataclass(frozen=True, eq=False)
class ChineseLexicon(Lexicon):
    """A :class:`Lexicon` of Chinese words, swapped with the segmenter (see the module docstring).

    Attributes
    ----------
    language : str
        ``"zh"``.
    surnames : tuple of str
        The surnames of the name rows (the first character of each name): a
        full name is one of them followed by a given name of the rows.
    whole_words : tuple of str
        Words the segmenter keeps whole although its dictionary does not
        (他乡 "a foreign land", 利他 "altruistic"): what is inside them is
        never swapped.
    provenance : dict
        Per list (``terms``, ``names``...): its source and licence.
    """

    language: str = "zh"
    surnames: tuple[str, ...] = ()
    whole_words: tuple[str, ...] = ()
    provenance: dict = field(default_factory=dict)

    def make_swapper(self, target: str, sources: tuple[str, ...]) -> "_ChineseSwapper":
        """The swapper that rewrites mentions of ``sources`` into ``target`` (used by every swapping function)."""
        return _chinese_swapper(self, target, sources)

    @property
    def given_names(self) -> dict[str, tuple[str, ...]]:
        """Group -> the given names of the name rows (surname removed), row order."""
        return {g: tuple(row[g][1:] for row in self.names) for g in self.groups}


def _name_surname(row: dict, groups, where: str) -> str:
    """The surname both sides of a name row share (its first character; all built-in surnames have one)."""
    firsts = {row[g][0] for g in groups}
    if len(firsts) != 1 or any(len(row[g]) < 2 for g in groups):
        raise ConfigError(f"Chinese pack {where}: name row {row} must give every group the same surname and a "
                          "given name (e.g. 王秀芳 / 王志强), so that only the given name varies")
    return firsts.pop()


@lru_cache(maxsize=1)
def _whole_words() -> tuple[str, ...]:
    """Words with 他/她 that are not pronouns and that jieba's dictionary does not keep whole (``packs/zh_words.json``)."""
    text = resources.files("auditkit.probes").joinpath("packs", "zh_words.json").read_text(encoding="utf-8")
    return tuple(json.loads(text)["whole_words"])


_CHINESE: dict[int, tuple[Lexicon, ChineseLexicon]] = {}


def chinese_lexicon_of(lexicon: Lexicon) -> ChineseLexicon:
    """``lexicon`` (an attribute of a zh pack) with what the Chinese swapper needs: the surnames of its name rows,
    the words kept whole, and its full and given names as identity words (jieba may cut 王秀芳 as 王 + 秀芳)."""
    if isinstance(lexicon, ChineseLexicon):
        return lexicon
    cached = _CHINESE.get(id(lexicon))
    if cached is not None and cached[0] is lexicon:
        return cached[1]
    where = lexicon.source
    surnames = tuple(dict.fromkeys(_name_surname(row, lexicon.groups, where) for row in lexicon.names))
    words = {g: tuple(dict.fromkeys([*lexicon.identity_words.get(g, ()), *(row[g] for row in lexicon.names),
                                     *(row[g][1:] for row in lexicon.names)])) for g in lexicon.groups}
    kwargs = {f.name: getattr(lexicon, f.name) for f in fields(Lexicon)} | {"identity_words": words, "language": "zh"}
    lex = ChineseLexicon(**kwargs, surnames=surnames, whole_words=_whole_words(),
                         provenance={i.name: {"source": i.source, "licence": i.licence} for i in lexicon.lists})
    _CHINESE[id(lexicon)] = (lexicon, lex)
    return lex


def _zh_pack():
    from auditkit.probes._packs import builtin_packs

    return next(p for p in builtin_packs() if p.name == "zh")


def chinese_attributes() -> tuple[str, ...]:
    """Names of the attributes of the built-in zh pack, sorted (``ethnicity``, ``gender``, ``hukou``, ``origin``)."""
    return tuple(sorted(_zh_pack().attributes))


def chinese_lexicon(attribute: str) -> ChineseLexicon:
    """The built-in zh pack's ``attribute`` as a :class:`ChineseLexicon` (see :func:`chinese_attributes`)."""
    attributes = _zh_pack().attributes
    if attribute not in attributes:
        raise ConfigError(f"unknown Chinese attribute {attribute!r}; known: {', '.join(sorted(attributes))}")
    return chinese_lexicon_of(attributes[attribute])


def load_chinese_lexicon(path) -> ChineseLexicon:
    """Read a one-attribute zh pack file (the pack format with ``"language": "zh"``) as a :class:`ChineseLexicon`."""
    from auditkit.probes._packs import load_lexicon

    lex = load_lexicon(path)
    if lex.language.split("-")[0] != "zh":
        raise ConfigError(f"{str(path)!r} is not a Chinese pack; give it \"language\": \"zh\"")
    return chinese_lexicon_of(lex)


@dataclass(frozen=True)
class ChineseSwap:
    """One rewritten word: ``text[start:end]`` was ``source`` and became ``target``."""

    start: int
    end: int
    source: str
    target: str
    kind: str  # "term" or "name"


@dataclass(frozen=True)
class ChineseSwapResult:
    """A swapped text and what was swapped in it (offsets in the original text)."""

    text: str
    swaps: tuple[ChineseSwap, ...]


def _protected(text: str) -> list[bool]:
    """Per character: whether it lies inside title marks (《...》, 〈...〉)."""
    inside = [False] * len(text)
    closing: list[str] = []
    for i, c in enumerate(text):
        if closing and c == closing[-1]:
            closing.pop()
            continue
        if c in TITLE_MARKS:
            closing.append(TITLE_MARKS[c])
            continue
        inside[i] = bool(closing)
    return inside


class _ChineseSwapper:
    """Compiled swap rules from some source groups to one target group of a :class:`ChineseLexicon`."""

    def __init__(self, lexicon: ChineseLexicon, target: str, sources: tuple[str, ...]):
        # source word -> target word; the first row wins, so a variant ("小姐" beside "女士") is rewritten but
        # never a target ("先生" -> "女士", not "小姐").
        self.terms: dict[str, str] = {}
        self.forms: dict[str, str] = {}  # word -> "title" or "kin": may follow a one-character prefix in one token
        for row in lexicon.terms:
            for s in sources:
                if row[s] != row[target] and row[s] not in self.terms:
                    self.terms[row[s]] = row[target]
                    if row.get("form") in ("title", "kin"):
                        self.forms[row[s]] = row["form"]
        given = lexicon.given_names
        self.given: dict[str, str] = {}
        for i in range(len(lexicon.names)):
            for s in sources:
                if given[s][i] != given[target][i]:
                    self.given.setdefault(given[s][i], given[target][i])
        self.surnames = tuple(sorted(lexicon.surnames, key=len, reverse=True))
        # Every full name the rows allow, kept whole by the segmenter; those that are common words are not names.
        names = {s + g for s in lexicon.surnames for names in given.values() for g in names}
        self.not_names = frozenset(n for n in names if word_frequency(n) >= NAME_MAX_WORD_FREQUENCY
                                   or (word_tag(n) or "nr")[:2] != "nr")
        self.words = {**dict.fromkeys(sorted(names - self.not_names), NAME_FREQUENCY),
                      **dict.fromkeys(lexicon.whole_words, WHOLE_WORD_FREQUENCY)}
        self.longest_term = max((len(w) for w in self.terms), default=0)

    def _name_at(self, view: str, i: int, ends: set) -> tuple[int, str, str] | None:
        """A full name starting at ``i`` that the segmenter kept whole: (end, source given name, target given name)."""
        for s in self.surnames:
            if not view.startswith(s, i):
                continue
            for g, new in sorted(self.given.items(), key=lambda kv: -len(kv[0])):
                end = i + len(s) + len(g)
                if (view.startswith(g, i + len(s)) and end in ends and all(k not in ends for k in range(i + 1, end))
                        and view[i:end] not in self.not_names):
                    return end, g, new
        return None

    def _prefixed_at(self, view: str, start: int, end: int) -> tuple[int, str, str, int] | None:
        """A title or kinship word that ends the token ``view[start:end]`` after a one-character prefix."""
        word = view[start + 1:end]
        form = self.forms.get(word)
        if form is None or not has_cjk(view[start]) or (form == "kin" and view[start] not in KIN_PREFIXES):
            return None
        return end, self.terms[word], "term", 1

    def swap(self, text: str) -> ChineseSwapResult:
        text = str(text)
        if not has_cjk(text) or not (self.terms or self.given):
            return ChineseSwapResult(text, ())
        view = simplified_view(text)
        traditional = view != text
        spans = segment(view, words=self.words)
        starts = {s for s, _ in spans}
        ends = {e for _, e in spans}
        token_end = dict(spans)
        protected = _protected(view)
        out, swaps, pos = [], [], 0
        for start in sorted(starts):
            if start < pos or protected[start]:
                continue
            found = None
            for length in range(min(self.longest_term, len(view) - start), 0, -1):
                word = view[start:start + length]
                if word in self.terms and start + length in ends:
                    found = (start + length, self.terms[word], "term", 0)
                    break
            if found is None:
                found = self._prefixed_at(view, start, token_end[start])
            if found is None and self.given:
                name = self._name_at(view, start, ends)
                if name is not None:
                    end, g, new = name
                    found = (end, new, "name", end - len(g) - start)
            if found is None:
                continue
            end, new, kind, keep = found
            if traditional:
                new = to_traditional(new)
            replacement = text[start:start + keep] + new  # a name keeps its surname as written
            out.append(text[pos:start])
            out.append(replacement)
            swaps.append(ChineseSwap(start, end, text[start:end], replacement, kind))
            pos = end
        out.append(text[pos:])
        return ChineseSwapResult("".join(out), tuple(swaps))

    def apply(self, text: str, context=None) -> tuple[str, frozenset[str]]:
        """The swapped text and the kinds of rule that fired ("term", "name"); ``context`` is not used."""
        result = self.swap(text)
        return result.text, frozenset(s.kind for s in result.swaps)

    def __call__(self, text: str, context=None) -> str:
        return self.swap(text).text


@lru_cache(maxsize=64)
def _chinese_swapper(lexicon: ChineseLexicon, target: str, sources: tuple[str, ...]) -> _ChineseSwapper:
    return _ChineseSwapper(lexicon, target, sources)


def swap_chinese(text: str, attribute: str = "gender", *, target_group: str, lexicon: ChineseLexicon | None = None) -> ChineseSwapResult:
    """Rewrite the identity mentions of a Chinese text so that they name ``target_group``, and say what changed.

    Parameters
    ----------
    text : str
        Simplified or Traditional Chinese.
    attribute : str, default "gender"
        A built-in Chinese attribute, when ``lexicon`` is not given.
    target_group : str
    lexicon : ChineseLexicon, optional

    Returns
    -------
    ChineseSwapResult
        ``text`` (the rewritten text) and ``swaps`` (one :class:`ChineseSwap` per rewritten word).

    Examples
    --------
    >>> r = swap_chinese("她们说他人都很好。", target_group="male")  # doctest: +SKIP
    >>> r.text, [(s.source, s.target) for s in r.swaps]  # doctest: +SKIP
    ('他们说他人都很好。', [('她们', '他们')])
    """
    lex = lexicon if lexicon is not None else chinese_lexicon(attribute)
    if target_group not in lex.groups:
        raise ConfigError(f"unknown group {target_group!r} for attribute {lex.attribute!r}; use one of {', '.join(lex.groups)}")
    sources = tuple(g for g in lex.groups if g != target_group)
    return lex.make_swapper(target_group, sources).swap(text)


def chinese_dataset_counterfactuals(texts, lexicon: Lexicon, *, context=None):
    """Counterfactual versions of every distinct Chinese text that mentions a group of ``lexicon``.

    The signature of a language's swapper in the probe-pack language registry
    (``f(texts, lexicon, *, context=None) -> DatasetCounterfactuals``);
    ``context`` is not used (Chinese has no letter case).
    """
    from auditkit.probes._swap import SwapContext, dataset_counterfactuals

    return dataset_counterfactuals(texts, chinese_lexicon_of(lexicon), context=SwapContext())
