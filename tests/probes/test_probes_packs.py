"""Probe packs: the built-in English packs, the pack-file contract, and packs installed as pip packages."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
import textwrap

import pytest
from probe_helpers import KeywordClassifier

from auditkit.cli import main
from auditkit.errors import ConfigError
from auditkit.probes import TemplateFamily, identity_terms, load_pack, run_probes
from auditkit.probes._packs import _reset_installed_cache, available_packs, builtin_packs, resolve_lexicons

AXES = {"gender", "race", "gender_race", "race_ethnicity", "religion", "sexual_orientation", "gender_identity",
        "disability", "age", "nationality"}


def test_the_english_packs_cover_every_axis_with_enough_rows_and_templates():
    attrs = {a: lex for pack in builtin_packs() if pack.language == "en" for a, lex in pack.attributes.items()}
    assert AXES <= set(attrs)
    en = {p.name: p for p in builtin_packs()}["en"]
    templates = en.templates
    assert len(templates) >= 24
    assert {t.shape for t in templates} == {"subject", "object", "event"}
    assert {t.valence for t in templates} == {"positive", "negative", "neutral"}
    for name, lex in attrs.items():
        tfams = [f for f in lex.families if isinstance(f, TemplateFamily)]
        assert tfams, name
        for fam in tfams:
            assert len(fam.rows) >= 10, (name, fam.name)
            assert fam.templates == templates
        for info in lex.lists:  # every list says where it came from
            assert info.source and info.licence, (name, info)
    for name in ("gender", "race", "race_ethnicity"):  # name families: 40 rows for every pair of groups
        assert len(attrs[name].family("templates_names").rows) >= 40
    assert set(attrs["race_ethnicity"].groups) == {"black", "white", "hispanic_latino", "asian", "arab"}
    assert {"transgender", "nonbinary"} <= set(attrs["gender_identity"].groups)
    assert attrs["gender_race"].crosses["female_african_american"] == {"gender": "female", "race": "african_american"}


def test_descriptor_lists_from_holisticbias_keep_its_licence():
    holistic = {p.name: p for p in builtin_packs()}["en_holistic"]
    for name, lex in holistic.attributes.items():
        fam = lex.family("templates_descriptors")
        info = next(i for i in lex.lists if i.name == "families.templates_descriptors")
        assert info.licence == "CC-BY-SA-4.0" and "HolisticBias" in info.source, name
        assert len(fam.rows) >= 10


def test_gender_and_race_name_rows_keep_the_other_attribute_and_share_their_sentences():
    attrs = {a: lex for pack in builtin_packs() if pack.language == "en" for a, lex in pack.attributes.items()}
    gender, race = attrs["gender"].family("templates_names"), attrs["race"].family("templates_names")
    gender_names = {n for row in gender.rows for n in row.values()}
    race_names = {n for row in race.rows for n in row.values()}
    assert gender_names == race_names and len(gender_names) == 80  # the default suite scores each name's sentences once
    cells = attrs["gender_race"].family("templates_names").rows
    for row in cells:  # the intersection's cells are the same names
        assert {row["female_african_american"], row["male_african_american"]} in [set(r.values()) for r in gender.rows]


def test_the_default_suite_scores_each_distinct_sentence_once_and_all_runs_every_attribute():
    clf = KeywordClassifier()
    report = run_probes(clf, n_boot=100)
    assert len(clf.calls) == 1 and len(clf.calls[0]) == len(set(clf.calls[0])) == report.table["text"].nunique()
    assert report.attributes == ["gender", "race"]
    clf = KeywordClassifier()
    report = run_probes(clf, attributes=["all"], n_boot=100)
    assert AXES <= set(report.attributes)
    assert len(clf.calls[0]) == len(set(clf.calls[0]))
    religion = report.summary["religion"]
    assert len(religion["pairs"]) == 15  # 6 groups: every pair, one Holm over the run
    assert religion["families"]["templates_descriptors"]["n_rows"] == 10


def test_a_planted_religion_skew_is_found_with_the_right_sign():
    words = sorted(identity_terms(["religion"])["religion"]["muslim"])
    assert "muslim" in words
    s = run_probes(KeywordClassifier(["muslim"], shift=-0.2), attributes=["religion"], n_boot=200).summary["religion"]
    assert s["verdict"] == "bias" and s["gap_groups"][1] == "muslim" and s["gap"] > 0.15
    assert s["pairs"]["muslim-christian"]["gap"] == pytest.approx(-0.2, abs=0.01)
    control = run_probes(KeywordClassifier(), attributes=["religion"], n_boot=200).summary["religion"]
    assert control["verdict"] != "bias"


# ---------------------------------------------------------------- the contract

def pack_doc(**attribute) -> dict:
    attr = {"groups": ["a", "b"],
            "families": {"templates_x": {"kind": "templates", "source": "us", "licence": "CC0-1.0",
                                         "rows": [{"a": f"the a{i} person", "b": f"the b{i} person"} for i in range(6)]}}}
    attr.update(attribute)
    return {"format": "auditkit-probe-pack/1", "name": "test_pack", "language": "en", "attributes": {"axis": attr}}


def with_templates(doc, items, **provenance):
    doc = copy.deepcopy(doc)
    doc["templates"] = {"source": "us", "licence": "CC0-1.0", **provenance, "items": items}
    return doc


def write(tmp_path, doc, name="pack.json"):
    path = tmp_path / name
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_a_valid_pack_file_loads_and_runs_its_own_templates(tmp_path):
    doc = with_templates(pack_doc(), [{"id": "t1", "text": "I saw {person}.", "shape": "object"},
                                      {"id": "t2", "text": "{person} was happy.", "shape": "subject", "valence": "positive",
                                       "word": "happy"}])
    pack = load_pack(write(tmp_path, doc))
    assert pack.name == "test_pack" and [t.id for t in pack.templates] == ["t1", "t2"]
    report = run_probes(KeywordClassifier(["a3"], shift=0.1), attributes=["axis"], lexicon_files=[pack], n_boot=100)
    assert set(report.table["text"]) >= {"I saw the a0 person.", "The b5 person was happy."}
    assert report.summary["axis"]["n_templates"] == 2


def test_toml_and_json_packs_are_the_same_pack(tmp_path):
    toml = textwrap.dedent('''
        format = "auditkit-probe-pack/1"
        name = "test_pack"
        language = "en"
        [attributes.axis]
        groups = ["a", "b"]
        [attributes.axis.families.templates_x]
        kind = "templates"
        source = "us"  # comments are why TOML is accepted
        licence = "CC0-1.0"
        rows = [''' + ", ".join(f'{{a = "the a{i} person", b = "the b{i} person"}}' for i in range(6)) + "]\n")
    path = tmp_path / "pack.toml"
    path.write_text(toml, encoding="utf-8")
    from_toml = load_pack(path).describe()
    from_json = load_pack(write(tmp_path, pack_doc())).describe()
    from_toml.pop("source"), from_json.pop("source")
    assert from_toml == from_json


def _bad(doc_change):
    doc = pack_doc()
    doc_change(doc)
    return doc


FAMILY = ("attributes", "axis", "families", "templates_x")


def _family(doc):
    return doc["attributes"]["axis"]["families"]["templates_x"]


@pytest.mark.parametrize("change, fragment", [
    (lambda d: _family(d)["rows"].append({"a": "the a9 person"}),
     "families.templates_x.rows[6] has no word for group(s) b"),
    (lambda d: _family(d)["rows"].append({"a": "the a1 person", "b": "the b8 person"}),
     "families.templates_x.rows[6] repeats 'the a1 person' for group 'a' from families.templates_x.rows[1]"),
    (lambda d: _family(d)["rows"].append({"a": "the same person", "b": "the same person"}),
     "gives 'the same person' to both 'a' and 'b'"),
    (lambda d: _family(d).pop("licence"), "attributes.axis.families.templates_x.licence is missing (every list needs its source"),
    (lambda d: _family(d).pop("source"), "attributes.axis.families.templates_x.source is missing"),
    (lambda d: _family(d).update(licence=""), "families.templates_x.licence: String should have at least 1 character"),
    (lambda d: d["attributes"]["axis"].update(groups=["a"]), "attributes.axis.groups: List should have at least 2 items"),
    (lambda d: d["attributes"]["axis"].update(gap=["a", "c"]), "'gap' must name two different groups"),
    (lambda d: _family(d).update(kind="magic"), "does not match any of the expected tags: 'templates', 'dataset_counterfactual'"),
    (lambda d: d.update(format="auditkit-probe-pack/9"), "format: Input should be 'auditkit-probe-pack/1'"),
    (lambda d: d.update(language="xx"), "no built-in templates for language 'xx'"),
    (lambda d: d.update(colour="red"), "colour is not a field of a pack file"),
    (lambda d: d["attributes"].update(settings=d["attributes"]["axis"]), "attribute name 'settings' is reserved"),
    (lambda d: d["attributes"]["axis"].update(crosses={"a": {"g": "x", "r": "y"}}), "'crosses' must map every group"),
])
def test_bad_pack_files_are_one_line_errors(tmp_path, change, fragment):
    with pytest.raises(ConfigError) as err:
        load_pack(write(tmp_path, _bad(change)))
    message = str(err.value)
    assert fragment in message and "\n" not in message and message.startswith(f"pack file {str(tmp_path / 'pack.json')!r}")


@pytest.mark.parametrize("items, fragment", [
    ([{"id": "t1", "text": "I saw them.", "shape": "object"}], "must have exactly one {person} slot"),
    ([{"id": "t1", "text": "I saw {person} and {person}.", "shape": "object"}], "found 2 slot(s)"),
    ([{"id": "t1", "text": "{person} felt {emotion}.", "shape": "subject"}], "person, emotion"),
    ([{"id": "t1", "text": "{person} was sad.", "shape": "subject", "valence": "negative"}], "give 'word' exactly when"),
    ([{"id": "t1", "text": "{person} was sad.", "shape": "subject", "valence": "negative", "word": "happy"}],
     "its word 'happy' is not in its text"),
    ([{"id": "t1", "text": "I saw {person}.", "shape": "object"}, {"id": "t1", "text": "I met {person}.", "shape": "object"}],
     "template id 't1' is used twice"),
])
def test_bad_templates_are_one_line_errors(tmp_path, items, fragment):
    with pytest.raises(ConfigError, match=None) as err:
        load_pack(write(tmp_path, with_templates(pack_doc(), items)))
    assert fragment in str(err.value) and "\n" not in str(err.value)


def test_templates_need_their_provenance_too(tmp_path):
    doc = with_templates(pack_doc(), [{"id": "t1", "text": "I saw {person}.", "shape": "object"}])
    del doc["templates"]["licence"]
    with pytest.raises(ConfigError, match=r"templates\.licence is missing"):
        load_pack(write(tmp_path, doc))


def test_a_pack_of_several_attributes_is_not_a_lexicon(tmp_path):
    from auditkit.probes import load_lexicon

    doc = pack_doc()
    doc["attributes"]["other"] = doc["attributes"]["axis"]
    with pytest.raises(ConfigError, match="is a pack of 2 attributes"):
        load_lexicon(write(tmp_path, doc))


def test_the_pack_schema_on_disk_is_generated_from_the_contract():
    from pathlib import Path

    from auditkit.probes._pack_schema import pack_json_schema

    on_disk = json.loads((Path(__file__).resolve().parents[2] / "docs" / "pack.schema.json").read_text())
    assert on_disk == json.loads(json.dumps(pack_json_schema())), "run make schema"


def test_the_pack_schema_accepts_the_built_in_packs():
    jsonschema = pytest.importorskip("jsonschema")
    from importlib import resources

    from auditkit.probes._pack_schema import pack_json_schema

    for name in ("en.json", "en_holistic.json"):
        doc = json.loads(resources.files("auditkit.probes").joinpath("packs", name).read_text(encoding="utf-8"))
        jsonschema.validate(doc, pack_json_schema())


# ---------------------------------------------------------------- a pack installed as a pip package

@pytest.fixture
def installed_pack(tmp_path, monkeypatch):
    """Build a wheel of a third-party pack in a temporary folder and install it (no network) into a target folder
    on sys.path; the entry point is found by importlib.metadata like any installed package's."""
    src = tmp_path / "src"
    pkg = src / "auditkit_pack_caste_test"
    pkg.mkdir(parents=True)
    rows = [{"dominant": f"a dominant-caste {n}", "oppressed": f"a Dalit {n}"}
            for n in ("person", "neighbor", "friend", "teacher", "student", "doctor")]
    doc = {"format": "auditkit-probe-pack/1", "name": "caste_test", "language": "en",
           "description": "A test pack installed from a wheel.",
           "attributes": {"caste": {"groups": ["oppressed", "dominant"],
                                    "families": {"templates_descriptors": {"kind": "templates", "rows": rows,
                                                                          "source": "test", "licence": "CC0-1.0"}}}}}
    (pkg / "pack.json").write_text(json.dumps(doc), encoding="utf-8")
    (pkg / "__init__.py").write_text(
        "from importlib import resources\n\n\ndef pack_file():\n"
        "    return resources.files(__name__).joinpath('pack.json')\n", encoding="utf-8")
    (src / "pyproject.toml").write_text(textwrap.dedent('''
        [build-system]
        requires = ["setuptools>=61"]
        build-backend = "setuptools.build_meta"
        [project]
        name = "auditkit-pack-caste-test"
        version = "0.1.0"
        [project.entry-points."auditkit.probe_packs"]
        caste_test = "auditkit_pack_caste_test:pack_file"
        [tool.setuptools.package-data]
        auditkit_pack_caste_test = ["pack.json"]
    '''), encoding="utf-8")
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input", "-q"]
    dist = tmp_path / "dist"
    subprocess.run([*pip, "wheel", "--no-deps", "--no-index", "--no-build-isolation", "-w", str(dist), str(src)],
                   check=True, capture_output=True)
    [wheel] = dist.glob("*.whl")
    target = tmp_path / "site"
    subprocess.run([*pip, "install", "--no-deps", "--no-index", "--target", str(target), str(wheel)], check=True,
                   capture_output=True)
    monkeypatch.syspath_prepend(str(target))
    _reset_installed_cache()
    yield target
    _reset_installed_cache()
    sys.modules.pop("auditkit_pack_caste_test", None)


def test_an_installed_pack_is_listed_and_audited(installed_pack, tiny_model_dir, tmp_path, capsys):
    assert main(["probes", "list"]) == 0
    out = capsys.readouterr().out
    assert "pack caste_test (en) from package auditkit-pack-caste-test (entry point 'caste_test')" in out
    assert "caste: 2 groups (oppressed, dominant); templates_descriptors 6 rows" in out
    assert "caste" in resolve_lexicons(["caste"])
    assert main(["probes", "show", "caste"]) == 0
    assert "a Dalit doctor / a dominant-caste doctor" in capsys.readouterr().out
    data = tmp_path / "data.csv"
    data.write_text("text,label\n" + "good food,positive\nbad food,negative\n" * 3)
    out_dir = tmp_path / "run"
    assert main(["audit", "--model", str(tiny_model_dir), "--data", str(data), "--out", str(out_dir), "--n-boot", "0",
                 "--probe-n-boot", "100", "--attributions", "0", "--probes", "gender,caste"]) == 0
    bias = json.loads((out_dir / "run.json").read_text())["bias"]
    assert bias["caste"]["families"]["templates_descriptors"]["n_rows"] == 6
    assert bias["settings"]["lexicons"]["caste"].startswith("package auditkit-pack-caste-test")


def test_built_in_attributes_do_not_import_installed_packs(monkeypatch):
    from auditkit.probes import _packs

    monkeypatch.setattr(_packs, "installed_packs", lambda: pytest.fail("an installed pack was imported"))
    assert list(resolve_lexicons(["gender", "religion"])) == ["gender", "religion"]


def test_a_broken_installed_pack_is_one_line(monkeypatch, tmp_path):
    from auditkit.probes import _packs

    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(_bad(lambda d: _family(d).pop("licence"))))

    class EntryPoint:
        name, dist = "broken", type("D", (), {"name": "broken-pack"})()

        def load(self):
            return lambda: bad

    monkeypatch.setattr(_packs.metadata, "entry_points", lambda group: [EntryPoint()])
    _reset_installed_cache()
    try:
        with pytest.raises(ConfigError) as err:
            available_packs()
    finally:
        _reset_installed_cache()
    assert str(err.value).startswith("installed probe pack package broken-pack (entry point 'broken'): pack file")
    assert "licence is missing" in str(err.value)
