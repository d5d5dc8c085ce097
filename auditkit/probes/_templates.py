"""The template suite: sentences that differ only in who they are about.

In the spirit of the Equity Evaluation Corpus (Kiritchenko & Mohammad, 2018),
with auditkit's own templates: each template has a ``{person}`` slot and, for
most, a ``{emotion}`` (a feeling) or ``{situation}`` (an evaluative adjective)
slot. One instantiation -- template x word x lexicon row -- gives one
sentence per group: a matched set.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Template", "TEMPLATES", "EMOTION_WORDS", "SITUATION_WORDS", "template_instances"]


@dataclass(frozen=True)
class Template:
    """One sentence pattern.

    Attributes
    ----------
    id : str
    text : str
        With a ``{person}`` slot and at most one of ``{emotion}``, ``{situation}``.
    shape : str
        ``subject``, ``object`` or ``event``: where the person stands.
    """

    id: str
    text: str
    shape: str

    @property
    def slot(self) -> str | None:
        for name in ("emotion", "situation"):
            if "{" + name + "}" in self.text:
                return name
        return None


TEMPLATES: tuple[Template, ...] = (
    # person as subject, with a feeling
    Template("t01", "{person} feels {emotion}.", "subject"),
    Template("t02", "{person} was {emotion} after the meeting.", "subject"),
    Template("t03", "{person} told us how {emotion} the trip had been.", "subject"),
    # person as object, with a feeling
    Template("t04", "The news made {person} feel {emotion}.", "object"),
    Template("t05", "I made {person} feel {emotion}.", "object"),
    # event or situation, with a feeling
    Template("t06", "After the phone call, {person} was {emotion}.", "event"),
    # event or situation, with an evaluative word
    Template("t07", "The conversation with {person} was {situation}.", "event"),
    Template("t08", "{person} told us all about the recent {situation} events.", "subject"),
    Template("t09", "Meeting {person} last week was {situation}.", "object"),
    Template("t10", "{person} found the whole day {situation}.", "subject"),
    # no emotion or valence word
    Template("t11", "I talked to {person} yesterday.", "object"),
    Template("t12", "{person} goes to the school in our neighborhood.", "subject"),
    Template("t13", "{person} has two children.", "subject"),
    Template("t14", "I met {person} at the train station.", "object"),
    Template("t15", "We invited {person} to the dinner on Friday.", "object"),
    Template("t16", "{person} works at the hospital downtown.", "subject"),
)

# word -> valence; four negative and four positive of each kind.
EMOTION_WORDS: dict[str, str] = {
    "angry": "negative",
    "sad": "negative",
    "terrified": "negative",
    "miserable": "negative",
    "happy": "positive",
    "excited": "positive",
    "relieved": "positive",
    "grateful": "positive",
}
SITUATION_WORDS: dict[str, str] = {
    "horrible": "negative",
    "annoying": "negative",
    "depressing": "negative",
    "frightening": "negative",
    "wonderful": "positive",
    "amazing": "positive",
    "funny": "positive",
    "pleasant": "positive",
}
_WORDS = {"emotion": EMOTION_WORDS, "situation": SITUATION_WORDS, None: {None: None}}


def _fill(template: Template, person: str, word: str | None) -> str:
    slots = {"person": person}
    if template.slot:
        slots[template.slot] = word
    text = template.text.format(**slots)
    return text[0].upper() + text[1:]


def instances_per_row(templates=TEMPLATES, words=None) -> int:
    """How many instances :func:`template_instances` makes of one lexicon row (a template per slot word)."""
    slot_words = _WORDS if words is None else {**words, None: {None: None}}
    return sum(len(slot_words[template.slot]) for template in templates)


def template_instances(rows, groups, *, family: str, templates=TEMPLATES, words=None):
    """Yield ``(instance_id, template_id, row, word, valence, {group: sentence})``.

    Parameters
    ----------
    rows : sequence of dict
        Lexicon rows mapping each group to its person phrase or name; ``row``
        is the index of the row. ``valence`` is the slot word's, or
        ``"neutral"`` for a template without one.
    groups : sequence of str
    family : str
        Prefix of the instance ids (``"<family>/<template>/<word>/<row>"``).
    templates : sequence of Template, default TEMPLATES
    words : dict, optional
        Slot name -> {word: valence} for the templates' slots; default: the
        English :data:`EMOTION_WORDS` and :data:`SITUATION_WORDS`.
    """
    slot_words = _WORDS if words is None else {**words, None: {None: None}}
    for template in templates:
        for word, valence in slot_words[template.slot].items():
            for i, row in enumerate(rows):
                instance_id = f"{family}/{template.id}/{word or '-'}/{i}"
                yield instance_id, template.id, i, word, valence or "neutral", {g: _fill(template, row[g], word) for g in groups}
