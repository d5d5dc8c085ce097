"""``auditkit probes list`` / ``auditkit probes show NAME``: the probe packs this installation can audit with."""

from __future__ import annotations

import json

from auditkit.cli._common import show
from auditkit.errors import ConfigError

#: Parameters whose flag is not the parameter's own name.
FLAGS = {"lexicon_files": "--lexicon"}


def add_parser(sub):
    p = sub.add_parser(
        "probes", help="list the probe packs and attributes installed; show one",
        description="Probe packs: the built-in ones, those installed as Python packages (entry-point group "
                    "auditkit.probe_packs) and pack files given with --lexicon, in that order of precedence "
                    "after --lexicon files. Each attribute's name is what --probes takes.")
    verbs = p.add_subparsers(dest="probes_command", metavar="{list,show}", parser_class=type(p))
    verbs.required = True
    lst = verbs.add_parser("list", help="every pack and attribute, with groups, rows, templates and licences")
    show_p = verbs.add_parser("show", help="one pack or attribute in full: groups, families, rows, templates, sources")
    show_p.add_argument("name", metavar="NAME", help="a pack name (en, en_holistic...) or an attribute name (religion...)")
    for q in (lst, show_p):
        q.add_argument("--lexicon", action="append", default=[], metavar="FILE",
                       help="also read this pack or lexicon file (JSON or TOML), repeatable")
        q.add_argument("--format", choices=("text", "json"), default="text")
    return p


def _packs(args):
    from auditkit.probes._packs import available_packs

    return available_packs(tuple(args.lexicon))


def _list_lines(packs) -> list[str]:
    lines, owner = [], {}
    for pack in packs:
        info = pack.describe()
        lines.append(f"pack {pack.name} ({pack.language}) from {pack.source}: {len(pack.attributes)} attribute(s), "
                     f"{info['templates']['count']} templates")
        language = pack.language.split("-")[0]  # packs of different languages never shadow each other
        for name, a in info["attributes"].items():
            key = (language, name)
            shadowed = f"  [shadowed by pack {owner[key]}]" if key in owner else ""
            owner.setdefault(key, pack.name)
            fams = ", ".join(f"{f} {d['rows']} rows" if d["kind"] == "templates" else f"{f} (evaluation texts)"
                             for f, d in a["families"].items())
            lines.append(f"  {name}: {len(a['groups'])} groups ({', '.join(a['groups'])}); {fams}; "
                         f"licence {' + '.join(a['licences']) or 'n/a'}{shadowed}")
    return lines


def _show_lines(pack, attribute=None) -> list[str]:
    info = pack.describe()
    lines = [f"pack {info['name']} ({info['language']}) from {info['source']}"]
    if info["description"]:
        lines.append(f"  {info['description']}")
    t = info["templates"]
    lines.append(f"templates: {t['count']} from {t['source']}" + (f" (licence {t['licence']})" if t["licence"] else "")
                 + (f"; in {t['blocks']} blocks (template j in block j mod {t['blocks']}): each lexicon row meets "
                    "its block's templates" if t["blocks"] > 1 else ""))
    if attribute is None:
        for item in t["items"]:
            lines.append(f"  {item['id']} [{item['shape']}, {item['valence']}] {item['text']}")
    for name, a in info["attributes"].items():
        if attribute is not None and name != attribute:
            continue
        lines.append(f"attribute {name}: groups {', '.join(a['groups'])}; gap {a['gap'][0]} - {a['gap'][1]}")
        if a["description"]:
            lines.append(f"  {a['description']}")
        if a["crosses"]:
            lines.append("  crosses: " + "; ".join(f"{g} = {', '.join(f'{k} {v}' for k, v in c.items())}"
                                                  for g, c in a["crosses"].items()))
        lex = pack.attributes[name]
        for fam in lex.families:
            rows = getattr(fam, "rows", ())
            d = a["families"][fam.name]
            if d["kind"] == "templates":
                blocks = getattr(fam, "row_blocks", ())
                crossed = f"{d['rows']} rows x {d['templates']} templates" if not blocks else \
                    f"{d['rows']} rows in {len(set(blocks))} template block(s) of {t['count']} templates"
                lines.append(f"  family {fam.name}: {crossed} = {d['sentences']} sentences")
                lines += [f"    {i}: " + " / ".join(row[g] for g in lex.groups) + (f"  [block {blocks[i]}]" if blocks else "")
                          for i, row in enumerate(rows)]
            else:
                lines.append(f"  family {fam.name}: evaluation texts that mention a group, swapped to every group")
        for item in a["lists"]:
            lines.append(f"  list {item['name']} ({item['rows']} rows): {item['source']}; licence {item['licence']}"
                         + (f"; {item['derivation']}" if item["derivation"] else ""))
    return lines


def run(args) -> int:
    packs = _packs(args)
    if args.probes_command == "list":
        if args.format == "json":
            print(json.dumps([p.describe() for p in packs], indent=2, ensure_ascii=False))
        else:
            show("\n".join(_list_lines(packs)))
        return 0
    by_pack = {p.name: p for p in reversed(packs)}  # the first pack of a name wins, as for attributes
    if args.name in by_pack:
        pack, attribute = by_pack[args.name], None
    else:
        owners = [p for p in packs if args.name in p.attributes]
        if not owners:
            known = sorted(set(by_pack) | {a for p in packs for a in p.attributes})
            raise ConfigError(f"no pack or attribute is called {args.name!r}; known: {', '.join(known)} "
                              "(see auditkit probes list)")
        pack, attribute = owners[0], args.name
    if args.format == "json":
        info = pack.describe()
        if attribute is not None:
            info["attributes"] = {attribute: info["attributes"][attribute]}
        print(json.dumps(info, indent=2, ensure_ascii=False))
    else:
        show("\n".join(_show_lines(pack, attribute)))
    return 0
