"""The probe-pack file contract, declared once.

A probe pack is a language plus attributes; an attribute has groups and
families; a family is matched-set rows crossed with templates
(``"kind": "templates"``) or the language's swapper run over the evaluation
texts (``"kind": "dataset_counterfactual"``). Every list of words (template
rows, swap vocabulary, templates) says where it came from and under which
licence. The models below are the contract: files are validated against
them, ``docs/pack.schema.json`` is generated from them (``make schema``), and
the README's "Probe packs" section describes the same fields.

Semantic rules that JSON Schema cannot say (every row names every group, no
row repeats another, a template has exactly one ``{person}`` slot, the gap
names two groups) are checked here too, with one-line messages that name the
place in the file.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationInfo, field_validator, model_validator

from auditkit.errors import ConfigError
from auditkit.probes._lexicon import RESERVED_NAMES, check_distinct, check_rows

__all__ = [
    "PACK_FORMAT",
    "PackFile",
    "AttributeSpec",
    "TemplatesFamilySpec",
    "DatasetFamilySpec",
    "WordList",
    "IdentityWords",
    "SwapSpec",
    "TemplateSpec",
    "TemplateSet",
    "pack_json_schema",
    "write_pack_schema",
]

#: The value of ``format`` in every pack file of this version.
PACK_FORMAT = "auditkit-probe-pack/1"

Name = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
Text = Annotated[str, StringConstraints(min_length=1, max_length=2000)]
Short = Annotated[str, StringConstraints(min_length=1, max_length=200)]
_SLOT = re.compile(r"\{([^{}]*)\}")
PERSON_SLOT = "{person}"


def _where(info: ValidationInfo) -> str:
    return (info.context or {}).get("where", "pack file")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Provenance(_Strict):
    source: Text = Field(description="where the list comes from (a publication, a data set, or 'auditkit authors')")
    licence: Short = Field(description="SPDX identifier or name of the licence the list is shipped under")
    derivation: str = Field(default="", max_length=4000,
                            description="how the list was derived from its source (selection rule, edits)")


class WordList(_Provenance):
    """Rows of a swap vocabulary: each row maps every group to its word (``form``, ``variant`` optional)."""

    rows: list[dict[str, Union[str, bool]]] = Field(min_length=1, max_length=100_000)


class IdentityWords(_Provenance):
    """Words that mark a group (for attribution's identity share) but are never swapped."""

    words: dict[Name, list[Short]]


class SwapSpec(_Strict):
    """What the language's swapper rewrites in evaluation and training texts (every part optional)."""

    terms: WordList | None = Field(default=None, description="words swapped anywhere ('she' / 'he')")
    extra_names: WordList | None = Field(default=None,
                                         description="first names swapped in texts but not used in templates")
    adjectives: WordList | None = Field(default=None,
                                        description="identity adjectives swapped only before a word for people")
    identity_words: IdentityWords | None = None


class TemplatesFamilySpec(_Provenance):
    """Matched-set rows (one phrase per group) crossed with the pack's templates."""

    kind: Literal["templates"]
    rows: list[dict[str, str]] = Field(min_length=1, max_length=100_000,
                                       description="each row maps every group to the phrase filling {person}")
    swap_as_names: bool = Field(default=False,
                                description="the rows are first names: also swap them in texts (capitalised only)")


class DatasetFamilySpec(_Strict):
    """The evaluation texts that mention a group, rewritten to every group by the language's swapper."""

    kind: Literal["dataset_counterfactual"]


FamilySpec = Annotated[Union[TemplatesFamilySpec, DatasetFamilySpec], Field(discriminator="kind")]


class AttributeSpec(_Strict):
    """One identity axis: its groups, the gap reported, its families and swap vocabulary."""

    description: str = Field(default="", max_length=4000)
    groups: list[Name] = Field(min_length=2, max_length=64)
    gap: list[Name] | None = Field(default=None, description="the two groups whose difference (first minus second) is "
                                                             "the attribute's gap; default the first two")
    crosses: dict[Name, dict[Name, Name]] | None = Field(
        default=None, description="for an intersection: group -> {attribute: its group}, e.g. "
                                  "female_black -> {gender: female, race: african_american}")
    families: dict[Name, FamilySpec] = Field(min_length=1, max_length=64)
    swap: SwapSpec = SwapSpec()

    @model_validator(mode="after")
    def _semantics(self, info: ValidationInfo) -> "AttributeSpec":
        where = _where(info)
        groups = self.groups
        if len(set(groups)) != len(groups):
            raise ConfigError(f"{where}: 'groups' lists a group twice ({groups}); name each group once")
        if self.gap is not None and (len(self.gap) != 2 or self.gap[0] == self.gap[1] or not set(self.gap) <= set(groups)):
            raise ConfigError(f"{where}: 'gap' must name two different groups from {groups}")
        for name, fam in self.families.items():
            if isinstance(fam, TemplatesFamilySpec):
                key = f"families.{name}.rows"
                rows = check_rows(fam.rows, groups, where, key)
                check_distinct({key: rows}, groups, where)
                check_contrast(rows, groups, where, key)
        swap = self.swap
        rows_by_key = {}
        for key in ("terms", "adjectives", "extra_names"):
            wl = getattr(swap, key)
            if wl is not None:
                rows_by_key[key] = check_rows(wl.rows, groups, where, f"swap.{key}.rows")
                check_contrast(rows_by_key[key], groups, where, f"swap.{key}.rows")
        check_distinct({k: v for k, v in rows_by_key.items() if k != "extra_names"}, groups, where)
        names = {f"families.{n}.rows": check_rows(f.rows, groups, where, f"families.{n}.rows")
                 for n, f in self.families.items() if isinstance(f, TemplatesFamilySpec) and f.swap_as_names}
        if "extra_names" in rows_by_key:
            names["swap.extra_names.rows"] = rows_by_key["extra_names"]
        check_distinct(names, groups, where)
        if swap.identity_words is not None and not set(swap.identity_words.words) <= set(groups):
            raise ConfigError(f"{where}: swap.identity_words.words must map groups from {groups} to lists of words")
        if sum(isinstance(f, DatasetFamilySpec) for f in self.families.values()) > 1:
            raise ConfigError(f"{where}: more than one dataset_counterfactual family; keep one")
        if self.crosses is not None:
            if set(self.crosses) != set(groups):
                raise ConfigError(f"{where}: 'crosses' must map every group of {groups} to its group of each crossed "
                                  "attribute")
            axes = {tuple(sorted(v)) for v in self.crosses.values()}
            if len(axes) != 1 or len(next(iter(axes))) < 2:
                raise ConfigError(f"{where}: 'crosses' must name the same two or more attributes for every group")
            if len({tuple(sorted(v.items())) for v in self.crosses.values()}) != len(groups):
                raise ConfigError(f"{where}: 'crosses' gives two groups the same combination; each group is one cell")
        return self


def check_contrast(rows, groups, where: str, key: str) -> None:
    """Raise when a row gives two groups the same words: such a set compares nothing."""
    for i, row in enumerate(rows):
        seen: dict[str, str] = {}
        for g in groups:
            word = row[g].lower()
            if word in seen:
                raise ConfigError(f"{where}: {key}[{i}] gives {row[g]!r} to both {seen[word]!r} and {g!r}; a matched "
                                  "set must differ between groups")
            seen[word] = g


class TemplateSpec(_Strict):
    """One sentence pattern with a ``{person}`` slot and no other slot."""

    id: Name
    text: Text
    shape: Literal["subject", "object", "event"] = Field(description="where the person stands in the sentence")
    valence: Literal["positive", "negative", "neutral"] = "neutral"
    word: Short | None = Field(default=None, description="the emotion or evaluation word that sets the valence")

    @model_validator(mode="after")
    def _slots(self, info: ValidationInfo) -> "TemplateSpec":
        where = _where(info)
        slots = _SLOT.findall(self.text)
        if slots.count("person") != 1 or len(slots) != 1:
            raise ConfigError(f"{where}: template {self.id!r} ({self.text!r}) must have exactly one {PERSON_SLOT} slot "
                              f"and no other {{...}} (found {len(slots)} slot(s): {', '.join(slots) or 'none'})")
        if (self.word is None) != (self.valence == "neutral"):
            raise ConfigError(f"{where}: template {self.id!r}: give 'word' exactly when 'valence' is positive or negative")
        if self.word is not None and self.word.lower() not in self.text.lower():
            raise ConfigError(f"{where}: template {self.id!r}: its word {self.word!r} is not in its text")
        return self


class TemplateSet(_Provenance):
    """The sentence patterns every template family of the pack is crossed with."""

    items: list[TemplateSpec] = Field(min_length=1, max_length=10_000)
    blocks: int = Field(default=1, ge=1, le=64, strict=True, description=(
        "template blocks: template j is in block j mod blocks, and each lexicon row meets only its block's "
        "templates (more templates for the same number of sentences); 1: every row meets every template"))

    @field_validator("items")
    @classmethod
    def _unique_ids(cls, items, info: ValidationInfo):
        ids = [t.id for t in items]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ConfigError(f"{_where(info)}: template id {dupes[0]!r} is used twice; give every template its own id")
        texts = [t.text for t in items]
        same = sorted({t for t in texts if texts.count(t) > 1})
        if same:
            raise ConfigError(f"{_where(info)}: template text {same[0]!r} appears twice; a template counts once")
        return items

    @model_validator(mode="after")
    def _enough_per_block(self, info: ValidationInfo) -> "TemplateSet":
        if len(self.items) < 2 * self.blocks:
            raise ConfigError(f"{_where(info)}: {len(self.items)} templates cannot fill {self.blocks} blocks of at least "
                              f"two; give at least {2 * self.blocks} templates or fewer 'blocks'")
        return self


class PackFile(_Strict):
    """A probe-pack file (JSON, or TOML with a ``.toml`` name)."""

    format: Literal["auditkit-probe-pack/1"] = Field(description="this contract's version")
    name: Name = Field(description="the pack's name, as `auditkit probes list` shows it")
    language: Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")] = Field(
        description="BCP 47 language tag of the texts it probes, e.g. 'en'")
    description: str = Field(default="", max_length=4000)
    templates: TemplateSet | None = Field(default=None,
                                          description="default: the templates of auditkit's built-in pack for "
                                                      "this language")
    attributes: dict[Name, AttributeSpec] = Field(min_length=1, max_length=256)

    @field_validator("attributes")
    @classmethod
    def _not_reserved(cls, attributes, info: ValidationInfo):
        for name in attributes:
            if name in RESERVED_NAMES:
                raise ConfigError(f"{_where(info)}: attribute name {name!r} is reserved; choose another name")
        return attributes


def pack_json_schema() -> dict:
    """The JSON Schema of a pack file, generated from :class:`PackFile`."""
    schema = PackFile.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "auditkit probe pack"
    return schema


def write_pack_schema(path: str | Path | None = None) -> Path:
    """Write ``docs/pack.schema.json`` (``make schema``)."""
    out = Path(path) if path is not None else Path(__file__).resolve().parents[2] / "docs" / "pack.schema.json"
    out.write_text(json.dumps(pack_json_schema(), indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return out
