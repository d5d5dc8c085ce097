"""Probe families: typed objects, found by their ``kind`` in :data:`FAMILY_KINDS`.

A family turns an attribute into probe-table rows (one per sentence: its
matched set, group and design keys). Two kinds exist:

- :class:`TemplateFamily` (``"templates"``): matched-set rows, one phrase per
  group, crossed with the pack's templates. Its rows are the unit the
  statistics resample, crossed with templates.
- :class:`DatasetFamily` (``"dataset_counterfactual"``): the evaluation texts
  that mention a group, rewritten to every group by the pack language's
  swapper. Its texts are the unit, in strata of the group they mention.

The suite asks a family what it needs and what it yields; it never looks at
a family's name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar, Sequence

from auditkit.probes._templates import Template, n_blocks, template_instances

__all__ = ["ProbeFamily", "TemplateFamily", "DatasetFamily", "FAMILY_KINDS", "DATASET_FAMILY", "DATASET_TEMPLATE"]

#: Name of the dataset-counterfactual family (one per attribute).
DATASET_FAMILY = "dataset_counterfactual"
#: ``template_id`` of dataset-counterfactual rows in the probe table.
DATASET_TEMPLATE = "dataset"


class ProbeFamily:
    """Base of the probe family types.

    Class attributes say what the suite needs to know: ``kind`` (the pack
    file's ``kind``), ``needs_texts`` (runs only with evaluation texts),
    ``compares_rows`` (its rows within one group can be compared with each
    other: the placebo swap), ``empty_reason`` (why it may yield nothing).
    """

    kind: ClassVar[str]
    needs_texts: ClassVar[bool] = False
    compares_rows: ClassVar[bool] = False
    empty_reason: ClassVar[str] = "no rows"
    name: str

    def table_rows(self, lexicon, *, texts: Sequence[str] | None) -> tuple[list[tuple], dict | None]:
        """Probe-table rows ``(attribute, family, template_id, instance_id, row, group, text, word, valence,
        stratum)`` and a summary for the run record (or None)."""
        raise NotImplementedError

    def n_template_sentences(self, groups: Sequence[str]) -> int:
        """How many sentences the family scores before it sees any text (0 for texts it is given)."""
        return 0

    def template_text(self, template_id: str) -> str | None:
        """The pattern of template ``template_id``, or None when the family has no such template."""
        return None

    def describe_row(self, key: str, groups: Sequence[str]) -> str:
        """A design unit of the family (as the statistics name it) in words: for a left-out unit."""
        return key


@dataclass(frozen=True)
class TemplateFamily(ProbeFamily):
    """Matched-set rows crossed with templates.

    Attributes
    ----------
    name : str
        As it appears in the run (``templates_names``...).
    rows : tuple of dict
        Group -> phrase filling ``{person}``.
    templates : tuple of Template
    swap_as_names : bool
        The rows are first names (also swapped in texts).
    row_blocks : tuple of int
        The template block of each row (empty: every row meets every
        template); see :func:`~auditkit.probes._templates.assign_row_blocks`.
    """

    kind: ClassVar[str] = "templates"
    compares_rows: ClassVar[bool] = True
    name: str
    rows: tuple[dict, ...]
    templates: tuple[Template, ...] = field(repr=False)
    swap_as_names: bool = False
    row_blocks: tuple[int, ...] = field(default=(), repr=False)

    def table_rows(self, lexicon, *, texts=None):
        out = []
        prefix = f"{lexicon.attribute}/{self.name}"
        for inst, tid, row, word, valence, sentences in template_instances(self.rows, lexicon.groups, family=prefix,
                                                                           templates=self.templates,
                                                                           row_blocks=self.row_blocks):
            for g in lexicon.groups:
                out.append((lexicon.attribute, self.name, tid, inst, row, g, sentences[g], word, valence, None))
        return out, None

    def n_template_sentences(self, groups):
        if not self.row_blocks:
            return len(self.rows) * len(self.templates) * len(groups)
        per_block = [sum(t.block == b for t in self.templates) for b in range(n_blocks(self.templates))]
        return sum(per_block[b] for b in self.row_blocks) * len(groups)

    def template_text(self, template_id):
        return next((t.text for t in self.templates if t.id == template_id), None)

    def describe_row(self, key, groups):
        """Row ``key`` (its index) as its phrases joined by ' / ' in group order."""
        row = int(key) if str(key).isdecimal() else -1
        return " / ".join(str(self.rows[row][g]) for g in groups) if 0 <= row < len(self.rows) else str(key)


@dataclass(frozen=True)
class DatasetFamily(ProbeFamily):
    """Evaluation texts that mention a group, swapped to every group by the language's swapper.

    Attributes
    ----------
    name : str
    language : Language
        Whose swapper rewrites the texts (see :mod:`auditkit.probes._languages`).
    """

    kind: ClassVar[str] = "dataset_counterfactual"
    needs_texts: ClassVar[bool] = True
    empty_reason: ClassVar[str] = "no text mentions this attribute"
    name: str = DATASET_FAMILY
    language: object = field(default=None, repr=False, compare=False)

    def table_rows(self, lexicon, *, texts=None):
        cf = self.language.counterfactuals(texts, lexicon)
        out = []
        for item in cf.items:
            stratum = item.mentioned or "mixed"
            for g in lexicon.groups:
                out.append((lexicon.attribute, self.name, DATASET_TEMPLATE, f"{lexicon.attribute}/{self.name}/{item.index}",
                            item.index, g, item.versions[g], item.term, None, stratum))  # word: the swapped term
        return out, cf.summary()


#: Family types by the ``kind`` a pack file gives them.
FAMILY_KINDS: dict[str, type[ProbeFamily]] = {cls.kind: cls for cls in (TemplateFamily, DatasetFamily)}
