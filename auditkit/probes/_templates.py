"""Templates: sentences that differ only in who they are about.

In the spirit of the Equity Evaluation Corpus (Kiritchenko & Mohammad, 2018):
each template has one ``{person}`` slot; a template family fills it with every
row of its matched sets, so one template x row gives one sentence per group.
A template's valence is set by the emotion or evaluation word its text
carries (``word``), or is ``neutral``. A pack declares its templates (see
:mod:`auditkit.probes._pack_schema`); ``TEMPLATES`` are those of the built-in
English pack.

A language's templates may be split into *blocks* (template ``j`` in block
``j mod blocks``), and each lexicon row then meets only its block's templates
(:func:`assign_row_blocks`): four blocks give four times the templates for the
sentences of one, and the template part of a gap's variance -- the largest
part on real models -- falls with the number of templates
(:mod:`auditkit.probes._crossed`).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Template", "TEMPLATES", "template_instances", "assign_row_blocks", "n_blocks"]


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
    block : int
        The template block it belongs to (0 when its language has one).
    """

    id: str
    text: str
    shape: str
    valence: str = "neutral"
    word: str | None = None
    block: int = 0

    def fill(self, person: str) -> str:
        """The sentence about ``person``, with a capital first letter."""
        text = self.text.replace("{person}", person)
        return text[0].upper() + text[1:]


def n_blocks(templates) -> int:
    """How many template blocks ``templates`` form."""
    return max((t.block for t in templates), default=0) + 1


def template_instances(rows, groups, *, family: str, templates, row_blocks=()):
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
    row_blocks : sequence of int, optional
        The template block of each row (see :func:`assign_row_blocks`); a
        row meets only its block's templates. Empty: every row meets every
        template.
    """
    for template in templates:
        for i, row in enumerate(rows):
            if row_blocks and row_blocks[i] != template.block:
                continue
            instance_id = f"{family}/{template.id}/{template.word or '-'}/{i}"
            yield instance_id, template.id, i, template.word, template.valence, {g: template.fill(row[g]) for g in groups}


def assign_row_blocks(families, blocks: int) -> list[tuple[int, ...]]:
    """The template block of every row of several template families.

    Rows that share a person phrase (the same name in a gender row, a race
    row and a gender x race row) land in one block, so their sentences are
    scored once: phrases are joined into connected sets and the sets are dealt
    to the blocks in turn, in order of first appearance. A family whose rows
    would leave a block with a single row is dealt row by row instead, and a
    family with fewer than two rows per block meets only block 0 (its rows are
    then crossed with that block's templates).

    Parameters
    ----------
    families : sequence of sequences of dict
        Each family's rows (group -> phrase).
    blocks : int

    Returns
    -------
    list of tuple of int
        Per family, the block of each row; empty tuples when ``blocks`` is 1.

    Examples
    --------
    >>> gender = [{"f": "Ann", "m": "Bob"}, {"f": "Cat", "m": "Dan"}, {"f": "Eve", "m": "Fox"}, {"f": "Gia", "m": "Hal"}]
    >>> race = [{"a": "Ann", "b": "Cat"}, {"a": "Bob", "b": "Dan"}, {"a": "Eve", "b": "Gia"}, {"a": "Fox", "b": "Hal"}]
    >>> assign_row_blocks([gender, race], 2)
    [(0, 0, 1, 1), (0, 0, 1, 1)]
    """
    families = [list(rows) for rows in families]
    if blocks <= 1:
        return [() for _ in families]
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for rows in families:
        for row in rows:
            phrases = [str(v).casefold() for v in row.values()]
            for other in phrases[1:]:
                parent[find(other)] = find(phrases[0])
    dealt: dict[str, int] = {}
    out = []
    for rows in families:
        if len(rows) < 2 * blocks:
            out.append(tuple(0 for _ in rows))
            continue
        assigned = []
        for row in rows:
            root = find(str(next(iter(row.values()))).casefold())
            assigned.append(dealt.setdefault(root, len(dealt) % blocks))
        counts = [assigned.count(b) for b in range(blocks)]
        if min(counts) < 2:
            assigned = [i % blocks for i in range(len(rows))]
        out.append(tuple(assigned))
    return out


def __getattr__(name: str):
    if name == "TEMPLATES":  # read on first use: the templates live in the English pack's file
        from auditkit.probes._packs import language_templates

        return language_templates("en")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
