"""Probe packs: where attributes come from, and how auditkit finds them.

A probe pack is a language plus attributes (:mod:`auditkit.probes._pack_schema`
is the file contract). Packs come from three places, in this order of
precedence for an attribute name:

1. files the user passes (``lexicon_files``, ``--lexicon FILE``): a pack file,
   or a one-attribute lexicon file of the older format (read as a pack of
   one attribute, in English);
2. the packs shipped with auditkit (``auditkit/probes/packs/*.json``: ``en``
   and ``en_holistic``);
3. packs installed as Python packages, through the entry-point group
   ``auditkit.probe_packs`` (:data:`ENTRY_POINT_GROUP`): each entry point
   loads a zero-argument callable returning the path of its pack file.

A name defined by two packs resolves to the first; ``auditkit probes list``
shows the others as shadowed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from importlib import metadata, resources
from pathlib import Path
from typing import Iterable, Mapping, Sequence

from pydantic import ValidationError

from auditkit._documents import decode_text, parse_json, parse_toml
from auditkit._fs import path_kind, read_regular_file
from auditkit.errors import ConfigError
from auditkit.probes._families import DATASET_FAMILY, DatasetFamily, TemplateFamily
from auditkit.probes._languages import language as find_language
from auditkit.probes._lexicon import NAME_RE, RESERVED_NAMES, Lexicon, ListInfo, check_distinct, check_rows
from auditkit.probes._pack_schema import DatasetFamilySpec, PackFile, TemplatesFamilySpec
from auditkit.probes._templates import Template, assign_row_blocks, n_blocks

__all__ = [
    "ProbePack",
    "ENTRY_POINT_GROUP",
    "DEFAULT_ATTRIBUTES",
    "ALL",
    "load_pack",
    "load_lexicon",
    "lexicon_from_dict",
    "builtin_packs",
    "installed_packs",
    "available_packs",
    "builtin_attributes",
    "builtin_lexicon",
    "resolve_lexicons",
    "identity_terms",
    "language_templates",
]

ENTRY_POINT_GROUP = "auditkit.probe_packs"
#: What ``--probes`` audits by default: fast enough for every audit.
DEFAULT_ATTRIBUTES = ("gender", "race")
#: The language probed when none is given or detected.
DEFAULT_LANGUAGE = "en"
#: ``--probes all``: every attribute of every available pack.
ALL = "all"
#: Largest pack file read (the built-in English pack is well under 1 MB).
MAX_PACK_BYTES = 16 * 1024 * 1024
#: Deepest nesting a pack file needs is 6 (pack > attributes > attribute > families > family > rows > row).
MAX_DEPTH = 12
_BUILTIN = ("en.json", "en_holistic.json", "zh.json")

ERR_UNKNOWN_ATTRIBUTE = ("unknown attribute {name!r}; known: {known} (add your own with a pack or lexicon file "
                         "in lexicon_files, or 'all')")
ERR_EMPTY_FAMILY = "{where}: person_phrases.{family} has no rows; give it at least one row or remove it"
ERR_EMPTY_LEXICON = ("{where} for attribute {name!r} is empty; give at least one row in "
                     "'terms', 'names' or 'person_phrases'")


@dataclass(frozen=True, eq=False)
class ProbePack:
    """A language plus attributes.

    Attributes
    ----------
    name : str
    language : str
    description : str
    attributes : dict of str to Lexicon
    templates : tuple of Template
    template_info : ListInfo or None
        Source and licence of the templates (None: the language's built-in ones).
    source : str
        Where it was loaded from: a file, ``built-in``, or ``package <dist> (entry point <name>)``.
    """

    name: str
    language: str
    attributes: dict = field(default_factory=dict)
    templates: tuple[Template, ...] = ()
    template_info: ListInfo | None = None
    description: str = ""
    source: str = "<memory>"

    def describe(self) -> dict:
        """What ``auditkit probes list/show`` print: attributes, groups, families, rows, templates, sources, licences."""
        templates = self.template_info
        attrs = {}
        for name, lex in self.attributes.items():
            attrs[name] = {
                "description": lex.description,
                "groups": list(lex.groups),
                "gap": list(lex.gap),
                "crosses": lex.crosses,
                "families": {f.name: {"kind": f.kind, "rows": len(getattr(f, "rows", ())),
                                      "templates": len(getattr(f, "templates", ())),
                                      "sentences": f.n_template_sentences(lex.groups)} for f in lex.families},
                "lists": [{"name": i.name, "rows": i.n_rows, "source": i.source, "licence": i.licence,
                           "derivation": i.derivation} for i in lex.lists],
                "licences": sorted({i.licence for i in lex.lists}),
            }
        return {
            "name": self.name,
            "language": self.language,
            "description": self.description,
            "source": self.source,
            "templates": {"count": len(self.templates), "blocks": n_blocks(self.templates),
                          "source": templates.source if templates else f"the built-in templates of {self.language!r}",
                          "licence": templates.licence if templates else None,
                          "items": [{"id": t.id, "text": t.text, "shape": t.shape, "valence": t.valence}
                                    for t in self.templates]},
            "attributes": attrs,
        }


# ------------------------------------------------------------------ reading files

def _depth(value, limit: int) -> int:
    """Nesting depth of parsed JSON/TOML (iterative, stops past ``limit``)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, d = stack.pop()
        deepest = max(deepest, d)
        if deepest > limit:
            return deepest
        if isinstance(item, dict):
            stack.extend((v, d + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, d + 1) for v in item)
    return deepest


def _read_document(path, *, what: str) -> dict:
    """Parse a pack or lexicon file (JSON, or TOML by its name) with auditkit's one safe reader
    (:mod:`auditkit._documents`), every refusal one line; a pack nests at most :data:`MAX_DEPTH` levels."""
    p = Path(path).expanduser()
    shown = repr(str(path))
    kind = path_kind(p)
    if kind == "missing":
        raise ConfigError(f"{what} {shown} does not exist; pass the path of a JSON or TOML pack file to lexicon_files")
    if kind == "directory":
        raise ConfigError(f"{what} {shown} is a directory; pass the pack file itself")
    if kind == "file" and p.stat().st_size > MAX_PACK_BYTES:
        raise ConfigError(f"{what} {shown} is {p.stat().st_size / 2**20:.0f} MiB; a pack file may hold at most "
                          f"{MAX_PACK_BYTES // 2**20} MiB (split it into several packs)")
    raw = read_regular_file(p, what=what, max_bytes=MAX_PACK_BYTES, error=ConfigError)
    where = f"{what} {shown}"
    text = decode_text(raw, where=where, error=ConfigError)
    toml = p.suffix.lower() == ".toml"
    data = (parse_toml if toml else parse_json)(text, where=where, error=ConfigError)
    if _depth(data, MAX_DEPTH) > MAX_DEPTH:
        raise ConfigError(f"{what} {shown} nests deeper than {MAX_DEPTH} levels; a pack file needs no more")
    if not isinstance(data, dict):
        raise ConfigError(f"{what} {shown} must hold an object (a pack with 'format', 'name', 'language' and "
                          f"'attributes', or a lexicon with 'attribute' and 'groups'), not a {type(data).__name__}")
    return data


def _first_error(exc: ValidationError, where: str) -> ConfigError:
    """One line for the first problem pydantic found (our own ConfigError when a rule of ours raised it)."""
    err = exc.errors(include_url=False)[0]
    loc = ".".join(str(part) for part in err["loc"] if not str(part).startswith("function-"))
    # a discriminated union adds the kind to the path: "families.x.templates.rows" -> "families.x.rows"
    loc = loc.replace(".templates.", ".").replace(".dataset_counterfactual.", ".")
    cause = (err.get("ctx") or {}).get("error")
    if isinstance(cause, ConfigError):  # a rule of ours: its message starts with where; add the place in the file
        message = str(cause)
        if loc and message.startswith(f"{where}: "):
            return ConfigError(f"{where}: {loc}: {message[len(where) + 2:]}")
        return cause
    if err["type"] == "missing":
        hint = " (every list needs its source and licence)" if loc.rsplit(".", 1)[-1] in ("source", "licence") else ""
        return ConfigError(f"{where}: {loc} is missing{hint}; add it")
    if err["type"] == "extra_forbidden":
        return ConfigError(f"{where}: {loc} is not a field of a pack file; remove it (see docs/pack.schema.json)")
    return ConfigError(f"{where}: {loc or 'the file'}: {err['msg']}; fix the file")


# ------------------------------------------------------------------ packs

def _info(name: str, spec, n_rows: int) -> ListInfo:
    return ListInfo(name=name, n_rows=n_rows, source=spec.source, licence=spec.licence, derivation=spec.derivation)


def _templates(spec) -> tuple[Template, ...]:
    """The templates of a pack's ``templates`` section, each in block ``index mod blocks``."""
    return tuple(Template(t.id, t.text, t.shape, t.valence, t.word, block=j % spec.blocks)
                 for j, t in enumerate(spec.items))


def _blocked(lexicons: Mapping[str, Lexicon], templates) -> dict[str, Lexicon]:
    """The lexicons with every template family's rows dealt to the template blocks, across the whole pack.

    One assignment over every attribute's families (see ``assign_row_blocks``),
    so a name shared by the gender, race and gender x race rows meets the same
    templates everywhere and its sentences are scored once.
    """
    tpl = [f for lex in lexicons.values() for f in lex.families if isinstance(f, TemplateFamily)]
    blocks = dict(zip(map(id, tpl), assign_row_blocks([f.rows for f in tpl], n_blocks(templates))))
    return {name: replace(lex, families=tuple(replace(f, row_blocks=blocks[id(f)]) if id(f) in blocks else f
                                              for f in lex.families))
            for name, lex in lexicons.items()}


def pack_from_dict(data: Mapping, *, where: str, source: str | None = None) -> ProbePack:
    """Validate a parsed pack document against :class:`~auditkit.probes._pack_schema.PackFile`."""
    try:
        spec = PackFile.model_validate(data, context={"where": where})
    except ValidationError as exc:
        raise _first_error(exc, where) from None
    lang = find_language(spec.language)
    if spec.templates is not None:
        templates = _templates(spec.templates)
        template_info = _info("templates", spec.templates, len(templates))
    else:
        templates = language_templates(spec.language, where=where)
        template_info = None
    attributes = {}
    for name, a in spec.attributes.items():
        families, names, lists = [], [], []
        for fname, f in a.families.items():
            if isinstance(f, TemplatesFamilySpec):
                rows = check_rows(f.rows, a.groups, where, f"families.{fname}.rows")
                families.append(TemplateFamily(name=fname, rows=rows, templates=templates, swap_as_names=f.swap_as_names))
                lists.append(_info(f"families.{fname}", f, len(rows)))
                if f.swap_as_names:
                    names.extend(rows)
            elif isinstance(f, DatasetFamilySpec):
                if lang is None:
                    raise ConfigError(f"{where}: attribute {name!r} has a {fname} family, but auditkit has no swapper for "
                                      f"language {spec.language!r}; remove that family (template families still run)")
                families.append(DatasetFamily(name=fname, language=lang))
        swap = a.swap
        vocab = {}
        for key in ("terms", "extra_names", "adjectives"):
            wl = getattr(swap, key)
            vocab[key] = check_rows(wl.rows, a.groups, where, f"swap.{key}.rows") if wl is not None else ()
            if wl is not None:
                lists.append(_info(f"swap.{key}", wl, len(vocab[key])))
        words = {g: tuple(w.strip().lower() for w in (swap.identity_words.words.get(g, []) if swap.identity_words else [])
                          if w.strip()) for g in a.groups}
        if swap.identity_words is not None:
            lists.append(_info("swap.identity_words", swap.identity_words, sum(map(len, words.values()))))
        gap = tuple(a.gap) if a.gap else tuple(a.groups[:2])
        attributes[name] = Lexicon(
            attribute=name, groups=tuple(a.groups), gap=gap, terms=vocab["terms"], names=tuple(names),
            extra_names=vocab["extra_names"], adjectives=vocab["adjectives"], identity_words=words,
            source=source or where, description=a.description, families=tuple(families), pack=spec.name,
            language=spec.language, lists=tuple(lists), crosses=a.crosses,
        )
    return ProbePack(name=spec.name, language=spec.language, attributes=_blocked(attributes, templates), templates=templates,
                     template_info=template_info, description=spec.description, source=source or where)


def lexicon_from_dict(data: Mapping, *, where: str = "<memory>") -> Lexicon:
    """Validate a lexicon document of the one-attribute format and build a :class:`Lexicon` (English templates).

    The format (every key but ``attribute`` and ``groups`` optional, at least
    one row in ``terms``, ``names`` or ``person_phrases``)::

        {"attribute": "gender", "groups": ["female", "male"], "gap": ["female", "male"],
         "terms": [{"female": "she", "male": "he"}], "names": [{"female": "Ebony", "male": "Alonzo"}],
         "extra_names": [], "adjectives": [], "identity_words": {"female": [], "male": []},
         "person_phrases": {"nouns": [{"female": "this woman", "male": "this man"}]}}

    ``names`` become the ``templates_names`` family (and are swapped in
    texts), each ``person_phrases`` list a ``templates_<key>`` family;
    ``dataset_counterfactual`` runs when there is anything to swap.
    """
    where = f"lexicon {where}"
    if not isinstance(data, Mapping):
        raise ConfigError(f"{where} must be a JSON object with 'attribute' and 'groups'")
    name = data.get("attribute")
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise ConfigError(f"{where} needs an 'attribute' name in lower case letters, digits and _ (got {name!r})")
    if name in RESERVED_NAMES:
        raise ConfigError(f"{where}: attribute name {name!r} is reserved; choose another name")
    groups = data.get("groups")
    if (
        not isinstance(groups, list)
        or len(groups) < 2
        or not all(isinstance(g, str) and NAME_RE.match(g) for g in groups)
        or len(set(groups)) != len(groups)
    ):
        raise ConfigError(f"{where}: 'groups' must list at least two distinct group names in lower case letters, digits and _")
    gap = data.get("gap", groups[:2])
    if not isinstance(gap, list) or len(gap) != 2 or gap[0] == gap[1] or not set(gap) <= set(groups):
        raise ConfigError(f"{where}: 'gap' must name two different groups from {groups}")
    rows = {key: check_rows(data.get(key), groups, where, key) for key in ("terms", "names", "extra_names", "adjectives")}
    check_distinct({k: rows[k] for k in ("terms", "adjectives")}, groups, where)
    check_distinct({k: rows[k] for k in ("names", "extra_names")}, groups, where)
    phrases_raw = data.get("person_phrases") or {}
    if not isinstance(phrases_raw, Mapping):
        raise ConfigError(f"{where}: 'person_phrases' must map a family suffix (e.g. 'nouns') to a list of rows")
    phrases = {}
    for suffix, prow in phrases_raw.items():
        if not NAME_RE.match(str(suffix)) or suffix == "names":
            raise ConfigError(f"{where}: person_phrases key {suffix!r} must be lower case letters, digits and _ and not 'names'")
        checked = check_rows(prow, groups, where, f"person_phrases.{suffix}")
        if not checked:
            raise ConfigError(ERR_EMPTY_FAMILY.format(where=where, family=suffix))
        check_distinct({f"person_phrases.{suffix}": checked}, groups, where)
        phrases[suffix] = checked
    words_raw = data.get("identity_words") or {}
    if not isinstance(words_raw, Mapping) or not set(words_raw) <= set(groups):
        raise ConfigError(f"{where}: 'identity_words' must map groups from {groups} to lists of words")
    words = {}
    for g in groups:
        values = words_raw.get(g, [])
        if not isinstance(values, list) or not all(isinstance(w, str) for w in values):
            raise ConfigError(f"{where}: identity_words[{g!r}] must be a list of words")
        words[g] = tuple(w.strip().lower() for w in values if w.strip())
    templates = language_templates("en")
    families = []
    if rows["names"]:
        families.append(TemplateFamily(name="templates_names", rows=rows["names"], templates=templates, swap_as_names=True))
    families += [TemplateFamily(name=f"templates_{suffix}", rows=prow, templates=templates) for suffix, prow in phrases.items()]
    if rows["terms"] or rows["names"] or rows["extra_names"]:
        families.append(DatasetFamily(name=DATASET_FAMILY, language=find_language("en")))
    lex = Lexicon(
        attribute=name, groups=tuple(groups), gap=(gap[0], gap[1]), terms=rows["terms"], names=rows["names"],
        extra_names=rows["extra_names"], adjectives=rows["adjectives"], identity_words=words, person_phrases=phrases,
        source=where.removeprefix("lexicon "), description=str(data.get("description", "")), families=tuple(families),
        pack=f"lexicon {name}", language="en",
    )
    if lex.is_empty:
        raise ConfigError(ERR_EMPTY_LEXICON.format(where=where, name=name))
    return _blocked({name: lex}, templates)[name]


def load_pack(path) -> ProbePack:
    """Read a pack file, or a lexicon file of the one-attribute format (a pack of that one attribute).

    Raises
    ------
    ConfigError
        When the file cannot be read or breaks the contract; one line naming the place.
    """
    data = _read_document(path, what="pack file")
    where = repr(str(path))
    if "attribute" in data and "format" not in data:  # the older one-attribute lexicon format
        lex = lexicon_from_dict(data, where=where)
        return ProbePack(name=lex.pack, language="en", attributes={lex.attribute: lex},
                         templates=language_templates("en"), source=str(path))
    return pack_from_dict(data, where=f"pack file {where}", source=str(path))


def load_lexicon(path) -> Lexicon:
    """Read a one-attribute file (either format) and return its :class:`Lexicon`.

    Raises
    ------
    ConfigError
        When the file is missing, not JSON, not a valid lexicon, or a pack of several attributes.
    """
    pack = load_pack(path)
    if len(pack.attributes) != 1:
        raise ConfigError(f"{str(path)!r} is a pack of {len(pack.attributes)} attributes "
                          f"({', '.join(pack.attributes)}); pass it to lexicon_files and name the attributes")
    return next(iter(pack.attributes.values()))


_BUILTIN_CACHE: dict[str, ProbePack] = {}


def _builtin_pack(filename: str) -> ProbePack:
    if filename not in _BUILTIN_CACHE:
        text = resources.files("auditkit.probes").joinpath("packs", filename).read_text(encoding="utf-8")
        _BUILTIN_CACHE[filename] = pack_from_dict(json.loads(text), where=f"built-in pack {filename}",
                                                  source=f"built-in {filename}")
    return _BUILTIN_CACHE[filename]


_TEMPLATE_CACHE: dict[str, tuple[Template, ...]] = {}


def language_templates(tag: str, *, where: str = "") -> tuple[Template, ...]:
    """The templates of auditkit's built-in pack for language ``tag`` (what a pack without templates uses)."""
    base = tag.split("-")[0]
    if base not in _TEMPLATE_CACHE:
        for filename in _BUILTIN:
            text = resources.files("auditkit.probes").joinpath("packs", filename).read_text(encoding="utf-8")
            data = json.loads(text)
            if data.get("language", "").split("-")[0] == base and data.get("templates"):
                spec = PackFile.model_validate(data, context={"where": f"built-in pack {filename}"})
                _TEMPLATE_CACHE[base] = _templates(spec.templates)
                break
        else:
            raise ConfigError(f"{where or 'a pack'}: auditkit has no built-in templates for language {tag!r}; "
                              "give the pack its own 'templates'")
    return _TEMPLATE_CACHE[base]


def builtin_packs() -> tuple[ProbePack, ...]:
    """The packs shipped with auditkit."""
    return tuple(_builtin_pack(f) for f in _BUILTIN)


_INSTALLED: list = []


def installed_packs() -> tuple[ProbePack, ...]:
    """Packs installed as Python packages (entry-point group ``auditkit.probe_packs``), by entry-point name.

    Raises
    ------
    ConfigError
        When an installed pack cannot be loaded: one line naming its package.
    """
    if _INSTALLED:
        return tuple(_INSTALLED[0])
    packs = []
    for ep in sorted(metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        dist = getattr(getattr(ep, "dist", None), "name", None) or "?"
        origin = f"package {dist} (entry point {ep.name!r})"
        try:
            target = ep.load()
            path = target() if callable(target) else target
        except Exception as exc:  # third-party code: whatever it raises becomes one line
            raise ConfigError(f"installed probe pack {origin} could not be loaded ({type(exc).__name__}: {exc}); "
                              "reinstall or uninstall it") from None
        try:
            pack = load_pack(path)
        except ConfigError as exc:
            raise ConfigError(f"installed probe pack {origin}: {exc}") from None
        attributes = {a: replace(lex, source=origin) for a, lex in pack.attributes.items()}
        packs.append(ProbePack(name=pack.name, language=pack.language, attributes=attributes,
                               templates=pack.templates, template_info=pack.template_info,
                               description=pack.description, source=origin))
    _INSTALLED.append(tuple(packs))
    return tuple(packs)


def _reset_installed_cache() -> None:
    """Forget the installed packs (after installing one in the same process)."""
    _INSTALLED.clear()


def _user_packs(lexicons: Sequence) -> list[ProbePack]:
    user = []
    for item in lexicons:
        if isinstance(item, ProbePack):
            user.append(item)
        elif isinstance(item, Lexicon):
            user.append(ProbePack(name=item.pack or f"lexicon {item.attribute}", language=item.language,
                                  attributes={item.attribute: item}, source=item.source))
        else:
            user.append(load_pack(item))
    return user


def available_packs(lexicons: Sequence = ()) -> tuple[ProbePack, ...]:
    """User packs (files or objects), then the built-in, then the installed ones: the resolution order."""
    return (*_user_packs(lexicons), *builtin_packs(), *installed_packs())


def builtin_attributes() -> tuple[str, ...]:
    """Names of the attributes shipped with auditkit, sorted."""
    return tuple(sorted({a for pack in builtin_packs() for a in pack.attributes}))


def builtin_lexicon(attribute: str) -> Lexicon:
    """The built-in :class:`Lexicon` of ``attribute`` (``"gender"``, ``"race"``, ``"religion"``...)."""
    for pack in builtin_packs():
        if attribute in pack.attributes:
            return pack.attributes[attribute]
    raise ConfigError(ERR_UNKNOWN_ATTRIBUTE.format(name=attribute, known=", ".join(builtin_attributes())),
                      parameter="lexicon_files")


def _requested(attributes) -> list[str] | None:
    if attributes is None:
        return None
    if isinstance(attributes, str):
        attributes = [attributes]
    names = []
    for a in attributes:
        a = str(a).strip()
        if a and a not in names:
            names.append(a)
    if not names:
        raise ConfigError("no attribute given; name at least one, e.g. gender,race (or all)")
    if ALL in names:
        if len(names) > 1:
            raise ConfigError(f"{ALL!r} already names every attribute; give it alone")
        return None
    return names


def speaks(pack: ProbePack, language: str | None) -> bool:
    """Whether ``pack`` probes texts in ``language`` (its primary tag: ``zh-Hant`` speaks ``zh``); None: any."""
    return language is None or pack.language.split("-")[0].lower() == language.split("-")[0].lower()


def resolve_lexicons(attributes: Iterable[str] | None = None, lexicons: Sequence = (), *,
                     language: str | None = DEFAULT_LANGUAGE) -> dict[str, Lexicon]:
    """Lexicons by attribute, from the user's packs, the built-in ones and the installed ones (that order).

    Parameters
    ----------
    attributes : iterable of str, optional
        Attributes wanted, in order. ``None`` or ``"all"``: every attribute
        of every available pack (the user's first).
    lexicons : sequence of Lexicon, ProbePack or path
        User packs or lexicons (objects or JSON/TOML file paths).
    language : str or None, default "en"
        The language of the texts probed: built-in and installed packs of
        another language are left out (``gender`` of ``zh`` is not ``gender``
        of ``en``); the user's own packs always count. None: every pack.

    Raises
    ------
    ConfigError
        When an attribute is in no pack, or a pack file is invalid.
    """
    names = _requested(attributes)
    user = _user_packs(lexicons)
    defined: dict[str, str] = {}
    for pack in user:
        for a in pack.attributes:
            if a in defined:  # the first would silently win
                raise ConfigError(f"packs {defined[a]} and {pack.source} both define attribute {a!r}; pass one pack "
                                  "per attribute", parameter="lexicon_files")
            defined[a] = pack.source
    packs = [*user, *(p for p in builtin_packs() if speaks(p, language))]
    known = {a for p in packs for a in p.attributes}
    if names is None or not set(names) <= known:  # third-party packs are imported only when needed
        packs += [p for p in installed_packs() if speaks(p, language)]
    by_name: dict[str, Lexicon] = {}
    for pack in packs:
        for a, lex in pack.attributes.items():
            by_name.setdefault(a, lex)
    if names is None:
        return dict(by_name)
    out = {}
    for a in names:
        if a not in by_name:
            raise ConfigError(ERR_UNKNOWN_ATTRIBUTE.format(name=a, known=", ".join(sorted(by_name))),
                              parameter="lexicon_files")
        out[a] = by_name[a]
    return out


def _row_words(rows, group) -> list[str]:
    words = []
    for row in rows:
        words.extend(re.findall(r"[\w']+", row[group].lower()))
    return words


def identity_terms(attributes: Iterable[str] | None = None, *, lexicons: Sequence = (),
                   language: str | None = DEFAULT_LANGUAGE) -> dict[str, dict[str, frozenset[str]]]:
    """Lower-case single words that mark each group of each attribute.

    Pronouns, gendered nouns, first names, identity adjectives and identity
    words ("black", "muslim"...). A word listed for more than one group of an
    attribute ("american" in "African American" and "European American") is
    left out, since it does not tell the groups apart.

    Parameters
    ----------
    attributes : iterable of str, optional
        Default: every available attribute.
    lexicons : sequence of Lexicon, ProbePack or path, optional
        User packs; they override built-ins of the same name.
    language : str or None, default "en"
        Built-in and installed packs of this language only (see :func:`resolve_lexicons`).

    Returns
    -------
    dict
        ``{attribute: {group: frozenset of words}}``.

    Examples
    --------
    >>> from auditkit.probes import identity_terms
    >>> terms = identity_terms(["gender"])
    >>> "she" in terms["gender"]["female"], "him" in terms["gender"]["male"]
    (True, True)
    """
    out = {}
    for name, lex in resolve_lexicons(attributes, lexicons, language=language).items():
        per_group = {}
        for g in lex.groups:
            words = _row_words(lex.terms, g) + _row_words(lex.names, g) + _row_words(lex.extra_names, g)
            words += _row_words(lex.adjectives, g)
            words += list(lex.identity_words.get(g, ()))
            per_group[g] = set(words)
        counts: dict[str, int] = {}
        for words in per_group.values():
            for w in words:
                counts[w] = counts.get(w, 0) + 1
        out[name] = {g: frozenset(w for w in words if counts[w] == 1) for g, words in per_group.items()}
    return out
