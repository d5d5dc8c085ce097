"""auditkit's Chinese templates (``lexicons/zh/templates.json``) and the matched sets they make.

The same design as the English suite (:mod:`auditkit.probes._templates`):
each template has a ``{person}`` slot and at most one of ``{emotion}`` or
``{situation}``; one instantiation -- template x word x lexicon row -- gives
one sentence per group.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

from auditkit.probes._templates import Template, template_instances

__all__ = ["chinese_templates", "chinese_slot_words", "chinese_template_instances", "chinese_probe_sentences"]


@lru_cache(maxsize=1)
def _document() -> dict:
    path = resources.files("auditkit.probes").joinpath("lexicons").joinpath("zh").joinpath("templates.json")
    return json.loads(path.read_text(encoding="utf-8"))


def chinese_templates() -> tuple[Template, ...]:
    """The Chinese templates, in file order."""
    return tuple(Template(t["id"], t["text"], t["shape"]) for t in _document()["templates"])


def chinese_slot_words() -> dict[str, dict[str, str]]:
    """Slot name (``emotion``, ``situation``) -> {word: valence}."""
    return {slot: dict(words) for slot, words in _document()["slots"].items()}


def chinese_template_instances(lexicon, family: str = "names"):
    """Matched sets of the Chinese templates filled with ``lexicon``'s rows of ``family``.

    ``family`` is ``"names"`` (the name rows) or a ``person_phrases`` key
    (``"nouns"``). Yields what :func:`~auditkit.probes._templates.template_instances` yields.
    """
    rows = lexicon.names if family == "names" else lexicon.person_phrases[family]
    return template_instances(rows, lexicon.groups, family=f"zh_templates_{family}", templates=chinese_templates(),
                              words=chinese_slot_words())


def chinese_probe_sentences(lexicon, family: str = "names") -> list[str]:
    """Every distinct sentence of :func:`chinese_template_instances`, in order (for a tokenizer check)."""
    seen: dict[str, None] = {}
    for *_, sentences in chinese_template_instances(lexicon, family):
        seen.update(dict.fromkeys(sentences.values()))
    return list(seen)
