"""Which language a text is written in, and the words of a Chinese text.

Language detection is one documented rule, not a model: a text is Chinese
(``zh``) when Han characters make up at least :data:`CJK_MIN_SHARE` of its
letters (Han characters plus alphabetic letters of any other script; digits,
spaces and punctuation do not count). A Chinese review that names a product
in Latin letters ("iPhone手机很好用", 5 Han characters of 11 letters) is
Chinese; an English sentence that quotes one Chinese name ("I met 王伟
today", 2 of 11) is English. A corpus is judged on all its letters together.

Chinese is written without spaces, so its words come from a segmenter:
`jieba <https://github.com/fxsjy/jieba>`_ (MIT), installed with the ``zh``
extra (``pip install 'auditkit[zh]'``), which also installs `OpenCC
<https://github.com/BYVoid/OpenCC>`_ (Apache-2.0) so that Traditional text is
segmented (and swapped) through its Simplified form. jieba's prefix
dictionary is built in memory from the dictionary it ships; jieba's own
cache file in the shared temporary folder is never read or written (a file
another user could have planted there would decide how texts are cut).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Iterable, Mapping

from auditkit.errors import ConfigError

__all__ = [
    "LANGUAGES",
    "CJK_MIN_SHARE",
    "LanguageGuess",
    "cjk_share",
    "detect_language",
    "resolve_language",
    "has_cjk",
    "segment",
    "word_frequency",
    "word_tag",
    "chinese_word_spans",
    "to_simplified",
    "simplified_view",
    "to_traditional",
    "is_traditional",
]

#: Languages auditkit knows (``auto`` asks :func:`detect_language`).
LANGUAGES = ("en", "zh")
#: Share of Han characters among a text's letters from which it counts as Chinese.
CJK_MIN_SHARE = 0.3

#: Frequency a word passed to :func:`segment` without one gets in the segmenter's dictionary (jieba 0.42.1's
#: dictionary counts about 60 million words; 一周 993, 明说 113, 王建国 12).
KEPT_WORD_FREQUENCY = 200
ZH_EXTRA_MISSING = ("Chinese text needs the optional {package} package; install the zh extra: "
                    "pip install 'auditkit[zh]'")
ERR_LANGUAGE = "unknown language {value!r}; use auto, or one of: {known}"

# Han ideographs: the CJK Unified Ideographs block and its extensions, and the compatibility ideographs.
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f]")
_HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f]+")


def has_cjk(text: str) -> bool:
    """Whether ``text`` holds at least one Han character."""
    return _HAN.search(str(text)) is not None


def _counts(text: str) -> tuple[int, int]:
    """(Han characters, letters) of ``text``; letters include the Han characters."""
    text = str(text)
    han = len(_HAN.findall(text))
    letters = sum(1 for c in text if c.isalpha())
    return han, letters


def cjk_share(texts: str | Iterable[str]) -> float:
    """Share of Han characters among the letters of ``texts`` (0.0 when there is no letter).

    Examples
    --------
    >>> round(cjk_share("iPhone手机很好用"), 2)
    0.45
    >>> cjk_share("Great film.")
    0.0
    """
    if isinstance(texts, str):
        texts = [texts]
    han = letters = 0
    for text in texts:
        h, n = _counts(text)
        han += h
        letters += n
    return han / letters if letters else 0.0


@dataclass(frozen=True)
class LanguageGuess:
    """What :func:`detect_language` found: the language and the share it was judged on."""

    language: str
    cjk_share: float
    rule: str = f"zh when Han characters are at least {CJK_MIN_SHARE:g} of the letters, else en"


def detect_language(texts: str | Iterable[str]) -> LanguageGuess:
    """The language of a text or corpus by the share of Han characters (see the module docstring).

    Examples
    --------
    >>> detect_language(["这本书很好看", "质量不错"]).language
    'zh'
    >>> detect_language("I met 王伟 today").language
    'en'
    """
    share = cjk_share(texts)
    return LanguageGuess("zh" if share >= CJK_MIN_SHARE else "en", share)


def resolve_language(value: str | None, texts: Iterable[str] | None = None) -> str:
    """A ``--language`` value checked: ``en``, ``zh``, or (``auto``/None) the detected language of ``texts``.

    Raises
    ------
    ConfigError
        For any other value, or ``auto`` without texts to look at.
    """
    key = "auto" if value is None else str(value).strip().lower()
    if key in ("zh-cn", "zh-hans", "zh-tw", "zh-hant", "zh-hk", "chinese"):
        key = "zh"
    elif key in ("en-us", "en-gb", "english"):
        key = "en"
    if key == "auto":
        if texts is None:
            raise ConfigError("language 'auto' needs texts to detect it from; pass language en or zh",
                              parameter="language")
        return detect_language(texts).language
    if key not in LANGUAGES:
        shown = str(value) if len(str(value)) <= 40 else str(value)[:40] + "…"  # a pasted paragraph stays one short line
        raise ConfigError(ERR_LANGUAGE.format(value=shown, known=", ".join(LANGUAGES)), parameter="language")
    return key


# --- segmentation --------------------------------------------------------------------------------

_LOCK = threading.Lock()
_STATE: dict = {}


def _require(module: str, package: str):
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise ConfigError(ZH_EXTRA_MISSING.format(package=package)) from None


def _base_tokenizer():
    """jieba's tokenizer with its prefix dictionary built here, in memory (no cache file is read or written)."""
    tok = _STATE.get("jieba")
    if tok is not None:
        return tok
    jieba = _require("jieba", "jieba")
    with _LOCK:
        if "jieba" not in _STATE:
            tok = jieba.Tokenizer()
            # What initialize() does, without its cache file in the shared temporary folder.
            tok.FREQ, tok.total = tok.gen_pfdict(tok.get_dict_file())
            tok.initialized = True
            _STATE["jieba"] = tok
    return _STATE["jieba"]


def word_tag(word: str) -> str | None:
    """The part of speech jieba's own dictionary gives ``word`` (``nr``: a person's name), or None."""
    tags = _STATE.get("tags")
    if tags is None:
        tags = {}
        with _base_tokenizer().get_dict_file() as fh:
            for line in fh:
                parts = line.decode("utf-8").split()
                if len(parts) >= 3:
                    tags[parts[0]] = parts[2]
        _STATE["tags"] = tags
    return tags.get(str(word))


def word_frequency(word: str) -> int:
    """How often jieba's own dictionary counts ``word`` (0 when it does not list it)."""
    return int(_base_tokenizer().FREQ.get(str(word)) or 0)


def _tokenizer(words: frozenset = frozenset()):
    """The base tokenizer, or (with ``words``: (word, frequency) pairs) a copy of it with those words added."""
    if not words:
        return _base_tokenizer()
    key = ("jieba", words)
    tok = _STATE.get(key)
    if tok is not None:
        return tok
    base = _base_tokenizer()
    with _LOCK:
        if key not in _STATE:
            tok = type(base)()
            tok.FREQ, tok.total = dict(base.FREQ), base.total
            tok.initialized = True
            for word, frequency in sorted(words):
                tok.add_word(word, frequency)
            _STATE[key] = tok
    return _STATE[key]


def _converter(config: str):
    key = f"opencc:{config}"
    if key not in _STATE:
        opencc = _require("opencc", "opencc")
        with _LOCK:
            if key not in _STATE:
                try:
                    _STATE[key] = opencc.OpenCC(config)
                except Exception:  # the pure-Python opencc-python-reimplemented wants the bare name
                    _STATE[key] = opencc.OpenCC(config.removesuffix(".json"))
    return _STATE[key]


def to_simplified(text: str) -> str:
    """``text`` converted from Traditional to Simplified characters (OpenCC ``t2s``)."""
    return _converter("t2s.json").convert(str(text))


def to_traditional(text: str) -> str:
    """``text`` converted from Simplified to Traditional characters (OpenCC ``s2t``)."""
    return _converter("s2t.json").convert(str(text))


def is_traditional(text: str) -> bool:
    """Whether converting ``text`` to Simplified changes it (it holds Traditional characters)."""
    return has_cjk(text) and to_simplified(text) != str(text)


def segment(text: str, *, words: Iterable[str] | Mapping[str, int] = ()) -> list[tuple[int, int]]:
    """Character spans ``(start, end)`` of the words jieba finds in ``text`` (every character in one span).

    ``words`` are added to jieba's dictionary, each with the frequency a
    mapping gives it, else :data:`KEPT_WORD_FREQUENCY` (a name list: jieba
    alone cuts "张明说" as 张/明说).

    A Traditional text is cut through its Simplified form (jieba's
    dictionary is Simplified); the spans are those of the original text
    (OpenCC's ``t2s`` keeps the length of almost every text; when it does
    not, the original is cut as it is).

    Examples
    --------
    >>> [("她们说他人很好"[s:e]) for s, e in segment("她们说他人很好")]  # doctest: +SKIP
    ['她们', '说', '他人', '很', '好']
    """
    text = str(text)
    if not text:
        return []
    added = dict(words) if isinstance(words, Mapping) else dict.fromkeys(words, KEPT_WORD_FREQUENCY)
    return [(start, end) for _, start, end in _tokenizer(frozenset(added.items())).tokenize(simplified_view(text))]


def simplified_view(text: str) -> str:
    """``text`` in Simplified characters when that keeps its length (so offsets carry over), else ``text``.

    Without OpenCC installed, ``text`` itself.
    """
    text = str(text)
    if not has_cjk(text):
        return text
    try:
        simplified = to_simplified(text)
    except ConfigError:
        return text
    return simplified if len(simplified) == len(text) else text


def chinese_word_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Word spans of ``text[start:end]`` (a run of letters holding Han characters), offsets in ``text``.

    Each run of Han characters is cut by jieba when it is installed, else
    into single characters (a Han character is a morpheme; BERT's Chinese
    tokenizers cut there too). Letters and digits around the run ("iPhone",
    "3") stay words of their own.
    """
    piece = text[start:end]
    out: list[tuple[int, int]] = []
    pos = 0
    for m in _HAN_RUN.finditer(piece):
        if m.start() > pos:
            out.append((start + pos, start + m.start()))
        try:
            spans = segment(m.group())
        except ConfigError:
            spans = [(i, i + 1) for i in range(len(m.group()))]
        out.extend((start + m.start() + s, start + m.start() + e) for s, e in spans)
        pos = m.end()
    if pos < len(piece):
        out.append((start + pos, end))
    return out
