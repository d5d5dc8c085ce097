"""Templates: sentences that differ only in who they are about.

In the spirit of the Equity Evaluation Corpus (Kiritchenko & Mohammad, 2018):
each template has one ``{person}`` slot; a template family fills it with every
row of its matched sets, so one template x row gives one sentence per group.
A template's valence is set by the emotion or evaluation word its text
carries (``word``), or is ``neutral``. A pack declares its templates (see
:mod:`auditkit.probes._pack_schema`); ``TEMPLATES`` are those of the built-in
English pack.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Template", "TEMPLATES", "template_instances"]


@dataclass(frozen=True)
class Template:
    """One sentence pattern.

    Attributes
    ----------
    id : str
    text : str
        With one ``{person}`` slot.
    shape : str
        ``subject``, ``object`` or ``event``: where the person stands.
    valence : str
        ``positive``, ``negative`` or ``neutral``.
    word : str or None
        The emotion or evaluation word that sets the valence.
    """

    id: str
    text: str
    shape: str
    valence: str = "neutral"
    word: str | None = None

    def fill(self, person: str) -> str:
        """The sentence about ``person``, with a capital first letter."""
        text = self.text.replace("{person}", person)
        return text[0].upper() + text[1:]


def template_instances(rows, groups, *, family: str, templates):
    """Yield ``(instance_id, template_id, row, word, valence, {group: sentence})``.

    Parameters
    ----------
    rows : sequence of dict
        Matched-set rows mapping each group to its person phrase or name;
        ``row`` is the index of the row.
    groups : sequence of str
    family : str
        Prefix of the instance ids (``"<family>/<template>/<word>/<row>"``).
    templates : sequence of Template
    """
    for template in templates:
        for i, row in enumerate(rows):
            instance_id = f"{family}/{template.id}/{template.word or '-'}/{i}"
            yield instance_id, template.id, i, template.word, template.valence, {g: template.fill(row[g]) for g in groups}


def __getattr__(name: str):
    if name == "TEMPLATES":  # read on first use: the templates live in the English pack's file
        from auditkit.probes._packs import language_templates

        return language_templates("en")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
