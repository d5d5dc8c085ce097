"""The hostile-input corpus: bad or hostile inputs to every command, each refused the same way.

Every case asserts what the README promises for bad input: exit status 2,
exactly one line on stderr (``auditkit: error: ...``, naming the problem),
no traceback, nothing written or changed anywhere in the case's folder or
the shared assets (the trees are compared before and after), and no marker
file from model code that must never run. The CLI runs in-process.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from auditkit.cli import main

import _harness as H  # tests/hostile/_harness.py, on sys.path as tests/probes' probe_helpers is
A, FAST = H.A, H.FAST
CASES = H.Cases()
case = CASES.case
audit = H.audit


# ------------------------------------------------------------------ data files

@case("does not exist")
def c_data_missing(sb):
    return audit(sb, data=sb.path / "missing.csv")


@case("is a directory")
def c_data_is_directory(sb):
    (sb.path / "folder.csv").mkdir()
    return audit(sb, data=sb.path / "folder.csv")


@case("is a symlink loop")
def c_data_symlink_loop(sb):
    return audit(sb, data=sb.loop("loop.csv"))


@case("is a symlink to a missing target")
def c_data_dangling_symlink(sb):
    return audit(sb, data=sb.dangling("gone.csv"))


@case("is a named pipe, not a regular file")
def c_data_fifo(sb):
    return audit(sb, data=sb.fifo("pipe.csv"))


@case("is empty")
def c_data_empty_file(sb):
    return audit(sb, data=sb.write("empty.csv", ""))


@case("cannot tell the format")
def c_data_unknown_extension(sb):
    return audit(sb, data=sb.write("data.xlsx", "text,label\n"))


@case("bad byte 0xe9 at byte 2959, line 157")
def c_data_not_utf8_deep_in_the_file(sb):
    head = "text,label\n" + "good food,positive\n" * 155
    return audit(sb, data=sb.write("latin1.csv", head.encode() + "caf\xe9,positive\n".encode("latin-1")))


@case("'text' appear more than once")
def c_data_csv_duplicate_columns(sb):
    return audit(sb, data=sb.write("dupes.csv", "text,label,text\nfine,positive,x\nbad,negative,y\n"))


@case("'label' appear more than once")
def c_data_tsv_duplicate_columns(sb):
    return audit(sb, data=sb.write("dupes.tsv", "text\tlabel\tlabel\nfine\tpositive\tnegative\n"))


@case("'text' appear more than once")
def c_data_jsonl_duplicate_keys(sb):
    return audit(sb, data=sb.write("dupes.jsonl", '{"text": "fine", "label": "positive", "text": "other"}\n'))


@case("'text' appear more than once")
def c_data_parquet_duplicate_columns(sb):
    table = pa.Table.from_arrays([pa.array(["a", "b"]), pa.array(["positive", "negative"]), pa.array(["c", "d"])],
                                 names=["text", "label", "text"])
    pq.write_table(table, sb.path / "dupes.parquet")
    return audit(sb, data=sb.path / "dupes.parquet")


@case("--label-col and --text-col both name column 'text'")
def c_data_text_col_equals_label_col(sb):
    return audit(sb, "--label-col", "text")


@case("--group-col and --text-col both name column 'text'")
def c_data_group_col_equals_text_col(sb):
    return audit(sb, "--group-col", "text")


@case("text column 'text'")
def c_data_parquet_list_column_as_text(sb):
    frame = pd.DataFrame({"text": [["good", "food"], ["bad", "food"]], "label": ["positive", "negative"]})
    return audit(sb, data=sb.parquet("lists.parquet", frame))


@case("group column 'tags'")
def c_data_parquet_list_column_as_group(sb):
    frame = pd.DataFrame({"text": ["good food", "bad food"], "label": ["positive", "negative"], "tags": [["a"], ["b", "c"]]})
    return audit(sb, "--group-col", "tags", data=sb.parquet("lists.parquet", frame))


@case("text column 'text'")
def c_data_jsonl_object_as_text(sb):
    return audit(sb, data=sb.write("nested.jsonl", '{"text": {"a": 1}, "label": "positive"}\n'))


@case("1 empty or missing text(s)")
def c_data_zero_width_space_text(sb):
    return audit(sb, data=sb.write("zw.csv", "text,label\ngood food,positive\n\u200b\u200b\u200b,negative\n"))


@case("1 empty or missing text(s)")
def c_data_blank_text(sb):
    return audit(sb, data=sb.write("blank.csv", 'text,label\ngood food,positive\n"   ",negative\n'))


@case("1 empty or missing label(s)")
def c_data_missing_label(sb):
    return audit(sb, data=sb.write("nolabel.csv", "text,label\ngood food,positive\nbad food,\n"))


@case("text column 'review' is not in")
def c_data_unknown_text_column(sb):
    return audit(sb, "--text-col", "review")


@case("label column 'y' is not in")
def c_data_unknown_label_column(sb):
    return audit(sb, "--label-col", "y")


@case("group column 'gender' is not in")
def c_data_unknown_group_column(sb):
    return audit(sb, "--group-col", "gender")


@case("does not know label(s) 'meh';")
def c_data_label_unknown_to_the_model(sb):
    return audit(sb, data=sb.write("meh.csv", "text,label\ngood,positive\nhmm,meh\n"))


@case("does not know label(s) 'NaN', 'nan';")
def c_data_label_error_lists_only_unknown_labels(sb):
    return audit(sb, data=sb.write("ids.csv", "text,label\na,0\nb,NaN\nc,nan\nd,1\n"))


@case("mix class names and class ids")
def c_data_labels_mix_names_and_ids(sb):
    return audit(sb, data=sb.write("mixed.csv", "text,label\na,positive\nb,0\n"))


@case("--limit must be a positive number")
def c_data_limit_zero(sb):
    return audit(sb, "--limit", "0")


@case("holds no examples")
def c_data_header_only(sb):
    return audit(sb, data=sb.write("header.csv", "text,label\n"))


@case("line 2: Expecting")
def c_data_jsonl_invalid_line(sb):
    return audit(sb, data=sb.write("bad.jsonl", '{"text": "a", "label": "positive"}\n{"text": \n'))


@case("line 1 is not a JSON object")
def c_data_jsonl_not_an_object(sb):
    return audit(sb, data=sb.write("list.jsonl", '"just a string"\n'))


@case("cannot parse")
def c_data_csv_ragged_rows(sb):
    return audit(sb, data=sb.write("ragged.csv", "text,label\na,positive\nb,negative,extra,more\n"))


@case("as PARQUET")
def c_data_parquet_corrupt(sb):
    return audit(sb, data=sb.write("corrupt.parquet", b"PAR1 this is not parquet"))


@case("Hub is unreachable")
def c_data_hf_offline(sb):
    return audit(sb, data="hf:nobody-here/nothing:test")


@case("names no dataset")
def c_data_hf_without_name(sb):
    return audit(sb, data="hf::test")


# ------------------------------------------------------------------ models

@case("does not exist; check the path passed to --model")
def c_model_missing_directory(sb):
    return audit(sb, model=sb.path / "no" / "such" / "model")


@case("is a file; pass the directory")
def c_model_is_a_file(sb):
    return audit(sb, model=sb.write("model.bin", b"x"))


@case("not a Hugging Face checkpoint (no config.json)")
def c_model_without_config(sb):
    return audit(sb, model=sb.model_copy("m", drop=("config.json",)))


@case("is a symlink loop")
def c_model_symlink_loop(sb):
    return audit(sb, model=sb.loop("model"))


@case("is a named pipe, not a regular file")
def c_model_fifo(sb):
    return audit(sb, model=sb.fifo("model"))


@case("in the model folder is a named pipe, not a regular file")
def c_model_tokenizer_file_is_a_fifo(sb):
    model = sb.model_copy("m", drop=("tokenizer.json",))
    os.mkfifo(model / "tokenizer.json")
    return audit(sb, model=model)


@case("config.json' is not valid JSON")
def c_model_config_not_json(sb):
    model = sb.model_copy("m")
    (model / "config.json").write_text("{not json")
    return audit(sb, model=model)


@case("has a config.json but no weights")
def c_model_without_weights(sb):
    return audit(sb, model=sb.model_copy("m", drop=("*.safetensors",)))


@case("has no tokenizer files")
def c_model_without_tokenizer_files(sb):
    return audit(sb, model=sb.model_copy("m", drop=("tokenizer*", "vocab*", "special_tokens_map.json")))


@case("but the model's embedding matrix has 1000 rows")
def c_model_tokenizer_larger_than_embeddings(sb):
    return audit(sb, model=sb.assets["small_vocab_model"])


@case("of an English test sentence to [UNK]")
def c_model_tokenizer_maps_words_to_unk(sb):
    model = sb.model_copy("m", drop=("tokenizer*", "vocab*", "special_tokens_map.json"))
    (model / "vocab.txt").write_text("[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n")
    return audit(sb, model=model)


@case("are a pickle that holds more than tensors")
def c_model_pickled_weights_with_code(sb):
    import torch

    class RunsCode:
        def __reduce__(self):
            return (os.system, (f"touch {sb.marker}",))

    model = sb.model_copy("m", drop=("*.safetensors",))
    torch.save({"bert.embeddings.word_embeddings.weight": RunsCode()}, model / "pytorch_model.bin")
    return audit(sb, model=model)


@case("needs custom code from its repository")
def c_model_remote_code_without_trust(sb):
    model = sb.model_copy("m")
    sb.edit_config(model, model_type="evil-remote", auto_map={"AutoConfig": "evil.EvilConfig", "AutoModelForSequenceClassification": "evil.EvilModel",
                                    "AutoTokenizer": ["evil.EvilTokenizer", None]})
    (model / "evil.py").write_text(f"open({str(sb.marker)!r}, 'w').write('ran')\n")
    return audit(sb, model=model)


@case("holds one class per example (single-label data), but the model is multi-label")
def c_model_multi_label_on_single_label_data(sb):
    model = sb.model_copy("m")
    sb.edit_config(model, problem_type="multi_label_classification")
    return audit(sb, model=model)


@case("without a classification head")
def c_model_without_head(sb):
    model = sb.model_copy("m")
    sb.edit_config(model, architectures=["BertModel"])
    return audit(sb, model=model)


@case("--device 'cuda': no CUDA GPU is usable here")
def c_model_device_cuda_on_cpu(sb):
    import torch

    if torch.cuda.is_available():
        pytest.skip("a CUDA GPU is present")
    return audit(sb, "--device", "cuda")


@case("--device 'meta' cannot run a model")
def c_model_device_meta(sb):
    return audit(sb, "--device", "meta")


@case("unknown device 'gpu0'")
def c_model_device_unknown(sb):
    return audit(sb, "--device", "gpu0")


@case("max length must be at least 2")
def c_model_max_length_one(sb):
    return audit(sb, "--max-length", "1")


@case("Hub is unreachable")
def c_model_hub_id_offline(sb):
    return audit(sb, model="nobody-here/some-model")


# ------------------------------------------------------------------ audit --out

@case("is an existing file")
def c_out_existing_file(sb):
    return audit(sb, out=sb.write("taken.txt", "mine"))


@case("exists and is not an auditkit run")
def c_out_foreign_folder(sb):
    sb.write("foreign/keep.txt", "mine")
    return audit(sb, out=sb.path / "foreign")


@case("already holds a run; pass --overwrite")
def c_out_existing_run_without_overwrite(sb):
    return audit(sb, out=sb.run_copy())


@case("goes through a regular file")
def c_out_under_a_regular_file(sb):
    return audit(sb, out=sb.write("plain.txt", "x") / "run")


@case("is a symlink loop")
def c_out_symlink_loop(sb):
    return audit(sb, out=sb.loop("loop"))


@case("is a symlink to a missing target")
def c_out_dangling_symlink(sb):
    return audit(sb, out=sb.dangling("gone"))


@case("has a name longer than the file system allows")
def c_out_300_character_name(sb):
    return audit(sb, out=sb.path / ("r" * 300))


@case("has a name of 240 bytes")
def c_out_name_too_long_for_the_staging_folder(sb):
    return audit(sb, out=sb.path / ("r" * 240))


@case("is read-only for this user")
def c_out_read_only_parent(sb):
    folder = sb.path / "locked"
    folder.mkdir()
    sb.stack.enter_context(A.read_only(folder))
    return audit(sb, out=folder / "run")


@case("is read-only for this user")
def c_out_read_only_ancestor_of_a_missing_parent(sb):
    folder = sb.path / "locked"
    folder.mkdir()
    sb.stack.enter_context(A.read_only(folder))
    return audit(sb, out=folder / "a" / "b" / "run")


# ------------------------------------------------------------------ audit options

@case("--n-boot must be an integer from 0 to 100000, got -1")
def c_option_negative_n_boot(sb):
    return audit(sb, "--n-boot", "-1")


@case("mixes 'none' with attributes")
def c_option_probes_none_and_gender(sb):
    return audit(sb, "--probes", "none,gender")


@case("--batch-size must be at least 1")
def c_option_batch_size_zero(sb):
    return audit(sb, "--batch-size", "0")


@case("--alpha must be between 0 and 1")
def c_option_alpha_two(sb):
    return audit(sb, "--alpha", "2")


@case("--attribution-method 'magic' is unknown")
def c_option_unknown_attribution_method(sb):
    return audit(sb, "--attributions", "4", "--attribution-method", "magic")


@case("invalid int value")
def c_option_not_a_number(sb):
    return audit(sb, "--limit", "ten")


# ------------------------------------------------------------------ probe packs (--lexicon, auditkit probes)

def pack_doc(**family) -> dict:
    """A valid one-attribute pack; ``family`` changes its template family."""
    fam = {"kind": "templates", "source": "test", "licence": "CC0-1.0",
           "rows": [{"a": f"the a{i} person", "b": f"the b{i} person"} for i in range(6)], **family}
    return {"format": "auditkit-probe-pack/1", "name": "hostile", "language": "en",
            "attributes": {"axis": {"groups": ["a", "b"], "families": {"templates_x": fam}}}}


def audit_pack(sb, content, name="pack.json"):
    path = sb.write(name, content if isinstance(content, (str, bytes)) else json.dumps(content))
    return audit(sb, "--probes", "axis", "--lexicon", path)


@case("families.templates_x.rows[6] has no word for group(s) b")
def c_pack_row_missing_a_group(sb):
    doc = pack_doc()
    doc["attributes"]["axis"]["families"]["templates_x"]["rows"].append({"a": "the a9 person"})
    return audit_pack(sb, doc)


@case("rows[6] repeats 'the a0 person' for group 'a'")
def c_pack_duplicate_row(sb):
    doc = pack_doc()
    rows = doc["attributes"]["axis"]["families"]["templates_x"]["rows"]
    rows.append(dict(rows[0]))
    return audit_pack(sb, doc)


@case("must have exactly one {person} slot")
def c_pack_template_without_a_slot(sb):
    doc = pack_doc()
    doc["templates"] = {"source": "test", "licence": "CC0-1.0",
                        "items": [{"id": "t1", "text": "Nobody is here.", "shape": "event"}]}
    return audit_pack(sb, doc)


@case("families.templates_x.licence is missing (every list needs its source and licence)")
def c_pack_without_a_licence(sb):
    doc = pack_doc()
    del doc["attributes"]["axis"]["families"]["templates_x"]["licence"]
    return audit_pack(sb, doc)


@case("families.templates_x.source is missing")
def c_pack_without_provenance(sb):
    doc = pack_doc()
    del doc["attributes"]["axis"]["families"]["templates_x"]["source"]
    return audit_pack(sb, doc)


def pack_with_blocks(blocks, n_templates=8):
    """A valid pack (JSON) whose own templates are split into ``blocks`` template blocks."""
    doc = pack_doc()
    doc["templates"] = {"source": "test", "licence": "CC0-1.0", "blocks": blocks,
                        "items": [{"id": f"t{j}", "text": f"{{person}} is here {j}.", "shape": "subject"}
                                  for j in range(n_templates)]}
    return doc


@case("templates.blocks: Input should be greater than or equal to 1")
def c_pack_zero_blocks(sb):
    return audit_pack(sb, pack_with_blocks(0))


@case("templates.blocks: Input should be greater than or equal to 1")
def c_pack_negative_blocks(sb):
    return audit_pack(sb, pack_with_blocks(-1))


@case("templates.blocks: Input should be less than or equal to 64")
def c_pack_huge_blocks(sb):
    return audit_pack(sb, pack_with_blocks(10 ** 30))


@case("templates.blocks: Input should be a valid integer")
def c_pack_fractional_blocks(sb):
    return audit_pack(sb, pack_with_blocks(1.5))


@case("templates.blocks: Input should be a valid integer")
def c_pack_blocks_as_text(sb):
    return audit_pack(sb, pack_with_blocks("4"))


@case("templates.blocks: Input should be a valid integer")
def c_pack_blocks_as_bool(sb):
    return audit_pack(sb, pack_with_blocks(True))


@case("templates.blocks: Input should be a valid integer")
def c_pack_blocks_nested(sb):
    return audit_pack(sb, pack_with_blocks([[[4]]]))


@case("templates.blocks: Input should be a valid integer")
def c_pack_nan_blocks_toml(sb):
    doc = pack_with_blocks(4)  # NaN has no JSON form: a TOML pack says it
    lines = ['format = "auditkit-probe-pack/1"', 'name = "hostile"', 'language = "en"', "[templates]",
             'source = "test"', 'licence = "CC0-1.0"', "blocks = nan"]
    for t in doc["templates"]["items"]:
        lines += ["[[templates.items]]", f'id = "{t["id"]}"', f'text = "{t["text"]}"', 'shape = "subject"']
    fam = doc["attributes"]["axis"]["families"]["templates_x"]
    lines += ["[attributes.axis]", 'groups = ["a", "b"]', "[attributes.axis.families.templates_x]",
              'kind = "templates"', 'source = "test"', 'licence = "CC0-1.0"']
    for row in fam["rows"]:
        lines += ["[[attributes.axis.families.templates_x.rows]]", f'a = "{row["a"]}"', f'b = "{row["b"]}"']
    return audit_pack(sb, "\n".join(lines) + "\n", name="pack.toml")


@case("8 templates cannot fill 5 blocks of at least two; give at least 10 templates or fewer 'blocks'")
def c_pack_more_blocks_than_templates(sb):
    return audit_pack(sb, pack_with_blocks(5))


@case("nests")
def c_pack_deeply_nested(sb):
    return audit_pack(sb, "[" * 100_000 + "]" * 100_000)


@case("a pack file may hold at most 16 MiB")
def c_pack_huge_file(sb):
    path = sb.path / "huge.json"
    with open(path, "wb") as fh:
        fh.truncate(17 * 2**20)  # sparse: nothing is read before the size check
    return audit(sb, "--probes", "axis", "--lexicon", path)


@case("is a named pipe, not a regular file")
def c_pack_fifo(sb):
    return audit(sb, "--probes", "axis", "--lexicon", sb.fifo("pack.json"))


@case("is not UTF-8 text (bad byte 0xe9 at byte")
def c_pack_not_utf8(sb):
    return audit_pack(sb, json.dumps(pack_doc()).encode().replace(b"the a3 person", b"the caf\xe9 person"))


@case("is a symlink loop")
def c_pack_symlink_loop(sb):
    return audit(sb, "--probes", "axis", "--lexicon", sb.loop("pack.json"))


@case("is a symlink to a missing target")
def c_pack_dangling_symlink(sb):
    return audit(sb, "--probes", "axis", "--lexicon", sb.dangling("pack.json"))


@case("is a directory; pass the pack file itself")
def c_pack_is_a_directory(sb):
    (sb.path / "pack").mkdir()
    return audit(sb, "--probes", "axis", "--lexicon", sb.path / "pack")


@case("is not valid TOML")
def c_pack_bad_toml(sb):
    return audit_pack(sb, 'format = "auditkit-probe-pack/1"\nname = = 1\n', name="pack.toml")


@case("must hold an object (a pack with 'format'")
def c_pack_json_list(sb):
    return audit_pack(sb, "[1, 2, 3]")


@case("'all' already names every attribute; give it alone")
def c_option_probes_all_and_gender(sb):
    return audit(sb, "--probes", "all,gender")


@case("unknown attribute 'caste'; known: age, disability,")
def c_option_probes_unknown_attribute(sb):
    return audit(sb, "--probes", "caste")


@case("no pack or attribute is called 'caste'")
def c_probes_show_unknown(sb):
    return ["probes", "show", "caste"]


@case("families.templates_x.licence is missing")
def c_probes_list_bad_pack(sb):
    doc = pack_doc()
    del doc["attributes"]["axis"]["families"]["templates_x"]["licence"]
    return ["probes", "list", "--lexicon", str(sb.write("pack.json", json.dumps(doc)))]


@case("invalid choice: 'delete'")
def c_probes_unknown_verb(sb):
    return ["probes", "delete"]


# ------------------------------------------------------------------ multi-label models

def multi_label_model(sb) -> Path:
    model = sb.model_copy("ml")
    sb.edit_config(model, problem_type="multi_label_classification")
    return model


def label_lists(sb, *rows: str) -> Path:
    return sb.write("lists.csv", "text,labels\n" + "".join(f"food {i},{r}\n" for i, r in enumerate(rows)))


@case("must hold 0 or 1, got '0.7' at data row(s) 2; give one 0/1 column per label, or one column of label lists as "
      "a single --label-col")
def c_multi_label_indicator_column_not_0_or_1(sb):
    data = sb.write("ind.csv", "text,negative,positive\nfood 1,1,0\nfood 2,0,0.7\n")
    return audit(sb, "--label-col", "negative", "--label-col", "positive", model=multi_label_model(sb), data=data)


def audit_threshold_file(sb, name: str, content: str):
    """Audit a multi-label model on label lists with a threshold file ``name`` holding ``content``."""
    thresholds = sb.write(name, content)
    return audit(sb, "--label-col", "labels", "--threshold-file", thresholds, model=multi_label_model(sb),
                 data=label_lists(sb, "positive", ""))


@case("--threshold must be between 0 and 1 (exclusive), got 1.5")
def c_multi_label_threshold_above_one(sb):
    return audit(sb, "--label-col", "labels", "--threshold", "1.5", model=multi_label_model(sb), data=label_lists(sb, "positive|negative", ""))


@case("--threshold must be between 0 and 1 (exclusive), got 0.0")
def c_multi_label_threshold_zero(sb):
    return audit(sb, "--label-col", "labels", "--threshold", "0", model=multi_label_model(sb), data=label_lists(sb, "positive|negative", ""))


@case("the threshold of 'positive' in")
def c_multi_label_threshold_file_value_outside(sb):
    return audit_threshold_file(sb, "t.json", '{"positive": -0.2}')


@case("names label(s) the model lacks: 'toxic'; its labels are 'negative', 'positive'")
def c_multi_label_threshold_file_unknown_label(sb):
    return audit_threshold_file(sb, "t.toml", "toxic = 0.4\npositive = 0.3\n")


@case("is not valid TOML")
def c_multi_label_threshold_file_bad_toml(sb):
    return audit_threshold_file(sb, "t.toml", "positive = = 0.3\n")


@case("the model does not know label(s) 'spam'; its labels are 'negative', 'positive'")
def c_multi_label_list_mixing_known_and_unknown(sb):
    return audit(sb, "--label-col", "labels", model=multi_label_model(sb), data=label_lists(sb, "positive|spam", '"[""negative""]"', ""))


@case("none of the data's labels ('toxic', 'insult') is a label of this multi-label model")
def c_multi_label_list_of_another_models_labels(sb):
    return audit(sb, "--label-col", "labels", model=multi_label_model(sb), data=label_lists(sb, "toxic|insult", ""))


@case("one each; not a label: 'other'; no column for: 'negative'")
def c_multi_label_columns_missing_a_label(sb):
    data = sb.write("cols.csv", "text,positive,other\ngood,1,0\nbad,0,1\n")
    return audit(sb, "--label-col", "positive", "--label-col", "other", model=multi_label_model(sb), data=data)


@case("label column 'negative' of")
def c_multi_label_column_not_zero_one(sb):
    data = sb.write("cols.csv", "text,positive,negative\ngood,1,0\nbad,0,yes\n")
    return audit(sb, "--label-col", "positive", "--label-col", "negative", model=multi_label_model(sb), data=data)


@case("2 --label-col columns describe multi-label data, but")
def c_single_label_model_given_label_columns(sb):
    data = sb.write("cols.csv", "text,positive,negative\ngood,1,0\nbad,0,1\n")
    return audit(sb, "--label-col", "positive", "--label-col", "negative", data=data)


@case("--threshold and --threshold-file apply to multi-label models")
def c_single_label_model_given_a_threshold(sb):
    return audit(sb, "--threshold", "0.4")


# ------------------------------------------------------------------ runs

@case("is a file; pass the folder that holds run directories")
def c_runs_on_a_file(sb):
    return ["runs", str(sb.data)]


@case("does not exist")
def c_runs_missing_folder(sb):
    return ["runs", str(sb.path / "nothing")]


@case("is a symlink loop")
def c_runs_symlink_loop(sb):
    return ["runs", str(sb.loop("runs"))]


@case("is a symlink loop; pass the folder that holds run directories")
def c_dashboard_runs_symlink_loop(sb):
    return ["dashboard", "--runs", str(sb.loop("runs")), "--no-browser", "--port", "1"]


@case("is a file; pass the folder that holds run directories")
def c_dashboard_runs_is_a_file(sb):
    return ["dashboard", "--runs", str(sb.data), "--no-browser", "--port", "1"]


# ------------------------------------------------------------------ report

@case("goes through a regular file")
def c_report_out_under_a_regular_file(sb):
    return ["report", str(sb.run_copy()), "--format", "md", "--out", str(sb.write("plain.txt", "x") / "r.md")]


@case("is a directory; give a file name")
def c_report_out_is_a_directory(sb):
    (sb.path / "reports").mkdir()
    return ["report", str(sb.run_copy()), "--format", "md", "--out", str(sb.path / "reports")]


@case("exists and was not written by auditkit")
def c_report_out_foreign_file(sb):
    return ["report", str(sb.run_copy()), "--format", "md", "--out", str(sb.write("notes.md", "mine"))]


@case("is a symlink to a missing target")
def c_report_out_dangling_symlink(sb):
    return ["report", str(sb.run_copy()), "--format", "md", "--out", str(sb.dangling("r.md"))]


@case("is a symlink loop")
def c_report_out_symlink_loop(sb):
    return ["report", str(sb.run_copy()), "--format", "md", "--out", str(sb.loop("r.md"))]


@case("has a name longer than the file system allows")
def c_report_out_300_character_name(sb):
    return ["report", str(sb.run_copy()), "--format", "md", "--out", str(sb.path / ("r" * 300))]


@case("is read-only for this user")
def c_report_on_a_read_only_run(sb):
    run = sb.run_copy()
    sb.stack.enter_context(A.read_only(run))
    return ["report", str(run), "--format", "md"]


@case("does not exist; pass a directory written by auditkit audit")
def c_report_missing_run(sb):
    return ["report", str(sb.path / "nothing")]


@case("is a symlink; a run folder holds only its own regular files")
def c_report_symlinked_table_from_outside(sb):
    run = sb.run_copy()
    outside = sb.path / "elsewhere.parquet"  # a table in another folder, linked into the run
    (run / "attributions.parquet").rename(outside)
    (run / "attributions.parquet").symlink_to(outside)
    return ["report", str(run), "--format", "md", "--out", "-"]


@case("is a symlink; a run folder holds only its own regular files")
def c_report_symlinked_run_json(sb):
    run = sb.run_copy()
    outside = sb.path / "elsewhere.json"
    (run / "run.json").rename(outside)
    (run / "run.json").symlink_to(outside)
    return ["report", str(run), "--format", "md", "--out", "-"]


@case("--baseline is used by the policy's no_regression check")
def c_report_baseline_without_policy(sb):
    run = sb.run_copy()
    return ["report", str(run), "--baseline", str(run)]


# ------------------------------------------------------------------ gate

def gate(sb, *extra):
    policy = sb.write("policy.toml", "[checks.min_accuracy]\nthreshold = 0.1\n")
    return ["gate", str(sb.run_copy()), "--policy", str(policy), *map(str, extra)]


@case("--junit '")
def c_gate_junit_is_a_directory(sb):
    (sb.path / "reports").mkdir()
    argv = gate(sb, "--junit", sb.path / "reports")
    return argv


@case("goes through a regular file")
def c_gate_junit_under_a_regular_file(sb):
    return gate(sb, "--junit", sb.write("plain.txt", "x") / "gate.xml")


@case("is a symlink loop")
def c_gate_junit_symlink_loop(sb):
    return gate(sb, "--junit", sb.loop("gate.xml"))


@case("is read-only for this user")
def c_gate_junit_read_only_folder(sb):
    folder = sb.path / "locked"
    folder.mkdir()
    sb.stack.enter_context(A.read_only(folder))
    return gate(sb, "--junit", folder / "gate.xml")


@case("does not exist; pass a directory written by auditkit audit")
def c_gate_missing_run(sb):
    argv = gate(sb)
    argv[1] = str(sb.path / "nothing")
    return argv


def _probed_run_as_older(sb, *, schema: int, **settings) -> Path:
    """A copy of the probed run as an older auditkit wrote it: schema 2 lacks influence and the minimum-effect
    test; schema 1 also the equivalence test. ``settings`` overrides bias settings (e.g. min_effect)."""
    run = sb.path / "older-run"
    shutil.copytree(sb.assets["probed_run"], run)
    record = json.loads((run / "run.json").read_text())
    bias = record["bias"]
    bias["settings"].update(settings)
    if schema <= 2:
        record["schema_version"] = 2
        for key in ("min_effect_test", "influence", "se_bootstrap"):
            bias["settings"].pop(key)
        for scope in [bias["gender"], *bias["gender"]["families"].values()]:
            scope.pop("influence")
            for key in ("ci_kind", "tost_low", "tost_high", "holm_ci_low", "holm_ci_high", "se_bootstrap",
                        "p_value_min_effect", "p_value_min_effect_holm"):
                scope.pop(key)
    if schema == 1:
        bias["settings"]["equivalence"] = "not recorded (schema 1)"
    (run / "run.json").write_text(json.dumps(record))
    return run


def _gate_policy(sb, text: str, run: Path) -> list[str]:
    return ["gate", str(run), "--policy", str(sb.write("policy.toml", text))]


@case("needs the leave-one-out influence of each gap, which run 'older-run' was audited without")
def c_gate_influence_on_a_run_audited_without_it(sb):
    return _gate_policy(sb, "[checks.max_influence]\nthreshold = 0.01\n", _probed_run_as_older(sb, schema=2))


@case("needs the equivalence test, which run 'older-run' was audited without")
def c_gate_equivalence_on_a_run_audited_without_it(sb):
    return _gate_policy(sb, "[checks.no_significant_bias]\nrequire = 'no_material_bias'\n",
                        _probed_run_as_older(sb, schema=1))


@case("needs a run audited with a minimum effect above 0")
def c_gate_equivalence_on_a_run_audited_with_min_effect_zero(sb):
    run = sb.path / "zero"
    shutil.copytree(sb.assets["probed_run"], run)
    record = json.loads((run / "run.json").read_text())
    record["bias"]["settings"]["min_effect"] = 0.0
    (run / "run.json").write_text(json.dumps(record))
    return _gate_policy(sb, "[checks.no_significant_bias]\nrequire = 'no_material_bias'\n", run)


@case("[gate] inconclusive = 'pass' is invalid; expected 'fail' or 'allow'")
def c_gate_inconclusive_as_pass(sb):
    return _gate_policy(sb, "[gate]\ninconclusive = 'pass'\n[checks.no_significant_bias]\n", sb.assets["probed_run"])


@case("[checks.max_influence] threshold = 1.5 is invalid")
def c_gate_influence_threshold_out_of_range(sb):
    return _gate_policy(sb, "[checks.max_influence]\nthreshold = 1.5\n", sb.assets["probed_run"])


@case("[checks.max_influence] needs a threshold")
def c_gate_influence_without_threshold(sb):
    return _gate_policy(sb, "[checks.max_influence]\n", sb.assets["probed_run"])


# ------------------------------------------------------------------ compare

@case("compare needs at least two runs")
def c_compare_one_run(sb):
    return ["compare", str(sb.run_copy())]


@case("goes through a regular file")
def c_compare_out_under_a_regular_file(sb):
    run = sb.run_copy()
    return ["compare", str(run), str(run), "--format", "md", "--out", str(sb.write("plain.txt", "x") / "c.md")]


# ------------------------------------------------------------------ train

def train(sb, *extra, data=None):
    return ["train", "--data", str(data or sb.data), "--base", str(sb.model), "--out", str(sb.path / "model-out"),
            "--epochs", "1", *map(str, extra)]


@case("--label-names gives 3 names but the data has 2 distinct labels")
def c_train_more_label_names_than_labels(sb):
    return train(sb, "--label-names", "a,b,c", data=sb.write("ids.csv", "text,label\n" + "good,1\nbad,0\n" * 5))


@case("--label-names has duplicates")
def c_train_duplicate_label_names(sb):
    return train(sb, "--label-names", "a,a", data=sb.write("ids.csv", "text,label\n" + "good,1\nbad,0\n" * 5))


@case("exists and was not written by auditkit train")
def c_train_out_foreign_folder(sb):
    sb.write("model-out/keep.txt", "mine")
    return train(sb)


@case("goes through a regular file")
def c_train_out_under_a_regular_file(sb):
    argv = train(sb)
    argv[argv.index("--out") + 1] = str(sb.write("plain.txt", "x") / "model")
    return argv


@case("--device 'meta' cannot run a model")
def c_train_device_meta(sb):
    return train(sb, "--device", "meta")


@case("--label-col and --text-col both name column 'text'")
def c_train_text_col_equals_label_col(sb):
    return train(sb, "--label-col", "text")


# ================================================================== round 2: the features added since the first pass
# (resume, multi-label, lexicon files, model cards, MLflow, Ray) and the bounds every reader and option now has.

DEEP = 100_000


def deep_json(key: str = "x") -> str:
    return '{"%s": ' % key + "[" * DEEP + "]" * DEEP + "}"


def big_int_json(key: str = "x") -> str:
    return '{"%s": %s}' % (key, "7" * 5000)


def edited_run(sb, change, name: str = "run", source: str = "run") -> Path:
    """A copy of a shared run whose run.json ``change(record)`` edited (the tables untouched)."""
    out = sb.path / name
    shutil.copytree(sb.assets[source], out)
    record = json.loads((out / "run.json").read_text(encoding="utf-8"))
    change(record)
    (out / "run.json").write_text(json.dumps(record), encoding="utf-8")
    return out


def raw_run_json(sb, text: str, name: str = "run") -> Path:
    out = sb.run_copy(name)
    (out / "run.json").write_text(text, encoding="utf-8")
    return out


def policy_file(sb, text: str, name: str = "policy.toml") -> Path:
    return sb.write(name, text)


def gate_with(sb, policy: Path, run: Path | None = None, *extra):
    return ["gate", str(run or sb.run_copy()), "--policy", str(policy), *map(str, extra)]


def probe_audit(sb, *extra, data=None, model=None):
    """An audit with probes on (no metrics intervals, no attributions): probe options are checked before predicting."""
    return ["audit", "--model", str(model or sb.model), "--data", str(data or sb.data), "--out", str(sb.path / "out"),
            "--n-boot", "0", "--attributions", "0", *map(str, extra)]


def lexicon_file(sb, content, name: str = "lex.json") -> Path:
    return sb.write(name, content if isinstance(content, (str, bytes)) else json.dumps(content))


RELIGION = {"attribute": "religion", "groups": ["muslim", "christian"],
            "names": [{"muslim": "Ahmed", "christian": "John"}, {"muslim": "Omar", "christian": "Peter"}]}


# ------------------------------------------------------------------ threshold files: bounded reads

@case("threshold file")
def c_r2_threshold_file_dev_zero(sb):
    return audit(sb, "--label-col", "labels", "--threshold-file", "/dev/zero", model=multi_label_model(sb),
                 data=label_lists(sb, "positive", ""))


@case("is a named pipe, not a regular file")
def c_r2_threshold_file_fifo(sb):
    return audit(sb, "--label-col", "labels", "--threshold-file", sb.fifo("t.json"), model=multi_label_model(sb),
                 data=label_lists(sb, "positive", ""))


@case("threshold file")
def c_r2_threshold_file_is_a_directory(sb):
    (sb.path / "t.json").mkdir()
    return audit(sb, "--label-col", "labels", "--threshold-file", sb.path / "t.json", model=multi_label_model(sb),
                 data=label_lists(sb, "positive", ""))


@case("nests lists or objects more than 64 levels deep")
def c_r2_threshold_file_deep_json(sb):
    return audit_threshold_file(sb, "t.json", deep_json("positive"))


@case("nests arrays or tables more than 64 levels deep")
def c_r2_threshold_file_deep_toml(sb):
    return audit_threshold_file(sb, "t.toml", "positive = " + "[" * DEEP + "]" * DEEP + "\n")


@case("holds an integer of 5000 digits")
def c_r2_threshold_file_huge_integer_json(sb):
    return audit_threshold_file(sb, "t.json", big_int_json("positive"))


@case("holds a value Python cannot convert")
def c_r2_threshold_file_huge_integer_toml(sb):
    return audit_threshold_file(sb, "t.toml", "positive = " + "7" * 5000 + "\n")


@case("more than the 1 MiB such a file may have")
def c_r2_threshold_file_too_large(sb):
    return audit_threshold_file(sb, "t.json", '{"positive": 0.4}' + " " * (2**20 + 10))


@case("is not UTF-8 text (bad byte 0xff at byte 0")
def c_r2_threshold_file_utf16(sb):
    return audit_threshold_file(sb, "t.json", '{"positive": 0.4}'.encode("utf-16"))


@case("gives label 'positive' two thresholds ('positive' and 'POSITIVE'")
def c_r2_threshold_file_case_duplicates_json(sb):
    return audit_threshold_file(sb, "t.json", '{"positive": 0.3, "POSITIVE": 0.7}')


@case("gives label 'positive' two thresholds ('Positive' and 'positive '")
def c_r2_threshold_file_case_duplicates_toml(sb):
    return audit_threshold_file(sb, "t.toml", 'Positive = 0.3\n"positive " = 0.7\n')


@case("the threshold of 'positive'")
def c_r2_threshold_file_nan_threshold(sb):
    return audit_threshold_file(sb, "t.toml", "positive = nan\n")


@case("must hold a TOML table of label name to threshold")
def c_r2_threshold_file_empty_toml(sb):
    return audit_threshold_file(sb, "t.toml", "# nothing\n")


# ------------------------------------------------------------------ lexicon files: bounded reads, one per attribute

@case("is a device or socket, not a regular file")
def c_r2_lexicon_dev_zero(sb):
    return probe_audit(sb, "--probes", "religion", "--lexicon", "/dev/zero")


@case("is a named pipe, not a regular file")
def c_r2_lexicon_fifo(sb):
    return probe_audit(sb, "--probes", "religion", "--lexicon", sb.fifo("lex.json"))


@case("is a directory; pass the pack file itself")  # --lexicon reads a pack file (a lexicon is a one-attribute pack)
def c_r2_lexicon_is_a_directory(sb):
    (sb.path / "lex.json").mkdir()
    return probe_audit(sb, "--probes", "religion", "--lexicon", sb.path / "lex.json")


@case("nests lists or objects more than 64 levels deep")
def c_r2_lexicon_deep(sb):
    return probe_audit(sb, "--probes", "religion", "--lexicon", lexicon_file(sb, deep_json("terms")))


@case("holds an integer of 5000 digits")
def c_r2_lexicon_huge_integer(sb):
    return probe_audit(sb, "--probes", "religion", "--lexicon", lexicon_file(sb, big_int_json("description")))


@case("is not UTF-8 text")
def c_r2_lexicon_utf16(sb):
    return probe_audit(sb, "--probes", "religion", "--lexicon", lexicon_file(sb, json.dumps(RELIGION).encode("utf-16")))


@case("both define attribute 'religion'; pass one pack per attribute")
def c_r2_lexicon_two_files_for_one_attribute(sb):
    first = lexicon_file(sb, RELIGION, "a.json")
    second = lexicon_file(sb, {**RELIGION, "names": RELIGION["names"][::-1]}, "b.json")
    return probe_audit(sb, "--probes", "religion", "--lexicon", first, "--lexicon", second)


@case("both define attribute 'gender'")
def c_r2_lexicon_two_files_replacing_gender(sb):
    gender = {"attribute": "gender", "groups": ["female", "male"], "names": [{"female": "Ann", "male": "Bob"}]}
    return probe_audit(sb, "--probes", "gender", "--lexicon", lexicon_file(sb, gender, "a.json"),
                       "--lexicon", lexicon_file(sb, gender, "b.json"))


@case("template sentences (lexicon rows x templates x groups), more than --max-probe-sentences 200,000")
def c_r2_lexicon_too_many_sentences(sb):
    rows = [{"muslim": f"Name{i}a", "christian": f"Name{i}b"} for i in range(3000)]  # 3000 x 144 templates x 2
    return probe_audit(sb, "--probes", "religion", "--lexicon", lexicon_file(sb, {**RELIGION, "names": rows}))


@case("more than --max-probe-sentences 100; scoring them would take about")
def c_r2_lexicon_above_a_lowered_sentence_cap(sb):
    return probe_audit(sb, "--probes", "religion", "--lexicon", lexicon_file(sb, RELIGION), "--max-probe-sentences", "100")


@case("--max-probe-sentences must be at least 1, got 0")
def c_r2_max_probe_sentences_zero(sb):
    return probe_audit(sb, "--max-probe-sentences", "0")


# ------------------------------------------------------------------ --language (the Chinese pack's option)

@case("unknown --language 'klingon'; use auto, or one of: en, zh")
def c_r3_language_unknown(sb):
    return probe_audit(sb, "--language", "klingon")


@case("unknown --language ''; use auto")
def c_r3_language_empty(sb):
    return probe_audit(sb, "--language", "")


@case("unknown --language 'nan'")
def c_r3_language_nan(sb):
    return probe_audit(sb, "--language", "nan")


@case("unknown --language 'zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz…'")
def c_r3_language_pasted_paragraph(sb):
    return probe_audit(sb, "--language", "z" * 100_000)


@case("unknown --language 'zh\\udcff'")
def c_r3_language_not_utf8(sb):
    return probe_audit(sb, "--language", "zh\udcff")  # what Python makes of a non-UTF-8 argv byte


@case("cannot read zh")
def c_r3_language_zh_on_a_model_that_cannot_read_it(sb):
    # the tiny English test model forced to probe the zh pack: most probe tokens are [UNK], refused before scoring
    return probe_audit(sb, "--language", "zh", "--probes", "gender")


# ------------------------------------------------------------------ numeric options: one range each, refused before work

@case("--seed must be an integer from 0 to 4294967295, got -1")
def c_r2_option_negative_seed(sb):
    return audit(sb, "--seed", "-1")


@case("--seed must be an integer from 0 to 4294967295 (NumPy and PyTorch take 32 bits), got 4294967296")
def c_r2_option_seed_above_32_bits(sb):
    return audit(sb, "--seed", str(2**32))


@case("--n-boot must be an integer from 0 to 100000 (more resamples change a percentile interval only past its third")
def c_r2_option_huge_n_boot(sb):
    return audit(sb, "--n-boot", str(10**12))


@case("--probe-n-boot must be an integer from 100 to 100000")
def c_r2_option_huge_probe_n_boot(sb):
    return probe_audit(sb, "--probe-n-boot", str(10**12))


@case("--min-effect must be a finite number (between 0 and 0.5), got nan")
def c_r2_option_min_effect_nan(sb):
    return probe_audit(sb, "--min-effect", "nan")


@case("--min-effect must be a finite number (between 0 and 0.5), got inf")
def c_r2_option_min_effect_inf(sb):
    return probe_audit(sb, "--min-effect", "inf")


@case("--min-effect must be a finite number (between 0 and 0.5), got -inf")
def c_r2_option_min_effect_minus_inf(sb):
    return probe_audit(sb, "--min-effect=-inf")


@case("--min-effect must be between 0 and 0.5 (a gap of probabilities; at 0.5 every decision could flip and still not "
      "count), got 5.0")
def c_r2_option_min_effect_five(sb):
    return probe_audit(sb, "--min-effect", "5")


@case("--min-effect must be between 0 and 0.5")
def c_r2_option_min_effect_just_above_the_bound(sb):
    return probe_audit(sb, "--min-effect", "0.51")


@case("--min-effect must be between 0 and 0.5, got -0.1")
def c_r2_option_min_effect_negative(sb):
    return probe_audit(sb, "--min-effect", "-0.1")


@case("--alpha must be a finite number (between 0 and 1), got nan")
def c_r2_option_alpha_nan(sb):
    return probe_audit(sb, "--alpha", "nan")


@case("--min-effect must be a finite number")
def c_r2_option_min_effect_nan_with_probes_off(sb):
    return audit(sb, "--min-effect", "nan")


@case("--min-group-size must be at least 1, got 0")
def c_r2_option_min_group_size_zero(sb):
    return audit(sb, "--min-group-size", "0")


@case("--attributions must be 0 or more, got -3")
def c_r2_option_negative_attributions(sb):
    return audit(sb, "--attributions", "-3")


@case("target label '²' is not a label of the model")
def c_r2_target_label_superscript_digit(sb):
    return probe_audit(sb, "--target-label", "²")


@case("target label '٣' is not a label of the model")
def c_r2_target_label_arabic_indic_digit_probes_off(sb):
    return audit(sb, "--target-label", "٣")


@case("target label 'bogus' is not a label of the model")
def c_r2_target_label_bogus_with_probes_off(sb):
    return audit(sb, "--target-label", "bogus")


@case("target label '7' is not a label of the model; pass one of 'negative', 'positive' or an id 0..1")
def c_r2_target_label_id_out_of_range_probes_off(sb):
    return audit(sb, "--target-label", "7")


@case("--seed must be an integer from 0 to 4294967295, got -1")
def c_r2_compare_negative_seed(sb):
    run = sb.run_copy()
    return ["compare", str(run), str(run), "--seed", "-1"]


@case("--n-boot must be an integer from 100 to 100000")
def c_r2_compare_huge_n_boot(sb):
    run = sb.run_copy()
    return ["compare", str(run), str(run), "--n-boot", str(10**12)]


@case("--alpha must be a finite number")
def c_r2_compare_alpha_nan(sb):
    run = sb.run_copy()
    return ["compare", str(run), str(run), "--alpha", "nan"]


@case("--seed must be an integer from 0 to 4294967295, got -1")
def c_r2_train_negative_seed(sb):
    return train(sb, "--seed", "-1")


@case("--epochs must be positive (at most 1000), got nan")
def c_r2_train_epochs_nan(sb):
    argv = train(sb)
    argv[argv.index("--epochs") + 1] = "nan"
    return argv


# ------------------------------------------------------------------ policies: bounded reads and ranges; the min-effect cap

@case("is a device or socket, not a regular file")
def c_r2_policy_dev_zero(sb):
    return ["gate", str(sb.run_copy()), "--policy", "/dev/zero"]


@case("is a named pipe, not a regular file")
def c_r2_policy_fifo(sb):
    return ["gate", str(sb.run_copy()), "--policy", str(sb.fifo("policy.toml"))]


@case("policy")
def c_r2_policy_is_a_directory(sb):
    (sb.path / "policy.toml").mkdir()
    return ["gate", str(sb.run_copy()), "--policy", str(sb.path / "policy.toml")]


@case("nests arrays or tables more than 64 levels deep")
def c_r2_policy_deep_array(sb):
    return gate_with(sb, policy_file(sb, "[checks.min_accuracy]\nthreshold = " + "[" * DEEP + "]" * DEEP + "\n"))


@case("nests lists or objects more than 64 levels deep")
def c_r2_policy_deep_dotted_key(sb):
    return gate_with(sb, policy_file(sb, ".".join(["a"] * 200) + " = 1\n"))


@case("holds a value Python cannot convert")
def c_r2_policy_huge_integer(sb):
    return gate_with(sb, policy_file(sb, "[gate]\nseed = " + "7" * 5000 + "\n[checks.min_accuracy]\nthreshold = 0.1\n"))


@case("is not UTF-8 text (bad byte 0xff")
def c_r2_policy_binary(sb):
    return gate_with(sb, policy_file(sb, b"\xff\xfe\x00[\x00c\x00"))


@case("more than the 1 MiB such a file may have")
def c_r2_policy_too_large(sb):
    return gate_with(sb, policy_file(sb, "[checks.min_accuracy]\nthreshold = 0.1\n" + "#" * (2**20 + 10) + "\n"))


@case("[gate] n_boot = 1000000000000 is invalid; expected an integer from 100 to 100000")
def c_r2_policy_huge_n_boot(sb):
    return gate_with(sb, policy_file(sb, "[gate]\nn_boot = 1000000000000\n[checks.min_accuracy]\nthreshold = 0.1\n"))


@case("[gate] seed = -1 is invalid; expected an integer from 0 to 4294967295")
def c_r2_policy_negative_seed(sb):
    return gate_with(sb, policy_file(sb, "[gate]\nseed = -1\n[checks.min_accuracy]\nthreshold = 0.1\n"))


@case("[gate] alpha = nan is invalid; expected a number between 0 and 1")
def c_r2_policy_alpha_nan(sb):
    return gate_with(sb, policy_file(sb, "[gate]\nalpha = nan\n[checks.min_accuracy]\nthreshold = 0.1\n"))


@case("max_min_effect = 0.6 is invalid; expected a number between 0 and 0.5")
def c_r2_policy_max_min_effect_above_the_bound(sb):
    return gate_with(sb, policy_file(sb, "[checks.no_significant_bias]\nmax_min_effect = 0.6\n"), sb.assets["probe_run"])


@case("accepts runs audited with a minimum effect of at most 0.01 (max_min_effect); run 'run' was audited with 0.02")
def c_r2_policy_max_min_effect_below_the_run(sb):
    return gate_with(sb, policy_file(sb, "[checks.no_significant_bias]\nmax_min_effect = 0.01\n"),
                     edited_run(sb, lambda r: None, source="probe_run"))


@case("accepts runs audited with a minimum effect of at most 0.1 (max_min_effect); run 'run' was audited with 0.4")
def c_r2_gate_default_cap_refuses_a_lenient_min_effect(sb):
    def lenient(record):  # a run audited with --min-effect 0.4 (inside the audit's range, above the default cap)
        record["bias"]["settings"]["min_effect"] = record["options"]["min_effect"] = 0.4
    return gate_with(sb, policy_file(sb, '[checks.no_significant_bias]\nrequire = "no_material_bias"\n'),
                     edited_run(sb, lenient, source="probe_run"))


# ------------------------------------------------------------------ run.json: bounded reads; tables tied to their run

@case("nests lists or objects more than 64 levels deep; the run is corrupt")
def c_r2_report_deep_run_json(sb):
    return ["report", str(raw_run_json(sb, deep_json("schema_version"))), "--format", "md", "--out", "-"]


@case("holds an integer of 5000 digits")
def c_r2_report_huge_integer_run_json(sb):
    return ["report", str(raw_run_json(sb, big_int_json("schema_version"))), "--format", "md", "--out", "-"]


@case("nests lists or objects more than 64 levels deep")
def c_r2_gate_deep_run_json(sb):
    return gate_with(sb, policy_file(sb, "[checks.min_accuracy]\nthreshold = 0.1\n"), raw_run_json(sb, deep_json()))


@case("nests lists or objects more than 64 levels deep")
def c_r2_compare_deep_run_json(sb):
    return ["compare", str(sb.run_copy("good")), str(raw_run_json(sb, deep_json(), name="bad"))]


@case("run.json' is not a regular file; the run is corrupt")
def c_r2_report_run_json_fifo(sb):
    run = sb.run_copy()
    (run / "run.json").unlink()
    os.mkfifo(run / "run.json")
    return ["report", str(run), "--format", "md", "--out", "-"]


@case("has a name that is not valid UTF-8; rename it")
def c_r2_report_run_in_a_non_utf8_folder(sb):
    path = os.fsdecode(os.fsencode(str(sb.path)) + b"/run-\xff")
    shutil.copytree(sb.assets["run"], path)
    return ["report", path, "--format", "md", "--out", "-"]


@case("is not the table this run wrote (its hash differs from the one recorded in run.json")
def c_r2_compare_probes_table_copied_from_another_run(sb):
    run = sb.path / "b"
    shutil.copytree(sb.assets["probe_run_other"], run)
    shutil.copy(sb.assets["probe_run"] / "probes.parquet", run / "probes.parquet")
    return ["compare", str(sb.assets["probe_run"]), str(run)]


@case("is not the table this run wrote")
def c_r2_compare_predictions_probabilities_swapped(sb):
    run = sb.run_copy()
    frame = pd.read_parquet(run / "predictions.parquet")
    frame["prob_negative"], frame["prob_positive"] = frame["prob_positive"].copy(), frame["prob_negative"].copy()
    frame.to_parquet(run / "predictions.parquet", index=False)
    return ["compare", str(sb.assets["run"]), str(run)]


@case("has no probes.parquet, which its run.json records; the run is corrupt")
def c_r2_report_table_the_run_records_removed(sb):
    run = sb.path / "run"
    shutil.copytree(sb.assets["probe_run"], run)
    (run / "probes.parquet").unlink()
    return ["report", str(run), "--format", "md", "--out", "-"]


@case("is not recorded in the run's run.json (a table copied in from elsewhere)")
def c_r2_report_table_the_run_never_wrote(sb):
    run = sb.path / "run"
    shutil.copytree(sb.assets["probe_run"], run)
    shutil.copy(sb.assets["run"] / "attributions.parquet", run / "attributions.parquet")
    return ["report", str(run), "--format", "md", "--out", "-"]


@case("does not match the run contract: columns missing ['row']")
def c_r2_compare_run_relabelled_schema_1_with_a_table_off_the_contract(sb):
    def as_schema_1(record):
        record["schema_version"] = 1
        del record["tables"]
    run = edited_run(sb, as_schema_1, source="probe_run")
    frame = pd.read_parquet(run / "probes.parquet").drop(columns=["row"])
    frame.to_parquet(run / "probes.parquet", index=False)
    return ["compare", str(sb.assets["probe_run"]), str(run)]


@case("does not match the run contract: 4 rows for the run's 10 examples")
def c_r2_compare_run_relabelled_schema_2_with_rows_dropped(sb):
    def as_schema_2(record):
        record["schema_version"] = 2
        del record["tables"]
    run = edited_run(sb, as_schema_2)
    pd.read_parquet(run / "predictions.parquet").head(4).to_parquet(run / "predictions.parquet", index=False)
    return ["compare", str(sb.assets["run"]), str(run)]


@case("tables.predictions.sha256: expected 64 lower-case hex digits")
def c_r2_report_run_json_with_a_forged_table_record(sb):
    def forged(record):
        record["tables"]["predictions"]["sha256"] = "not a hash"
    return ["report", str(edited_run(sb, forged)), "--format", "md", "--out", "-"]


# ------------------------------------------------------------------ multi-label names a label list cannot carry

@case("multi-label label name(s) 'pos|itive' of the label names are empty or hold '|' or ','")
def c_r2_train_multi_label_column_with_a_pipe(sb):
    data = sb.write("cols.csv", "text,negative,pos|itive\n" + "bad food,1,0\ngood food,0,1\n" * 5)
    return train(sb, "--multi-label", "--label-col", "negative", "--label-col", "pos|itive", data=data)


@case("multi-label label name(s) 'a,b' of the data are empty or hold '|' or ','")
def c_r2_train_multi_label_json_list_with_a_comma(sb):
    data = sb.write("lists.csv", "text,labels\n" + 'good food,"[""a,b""]"\nbad food,c\n' * 5)
    return train(sb, "--multi-label", "--label-col", "labels", data=data)


@case("multi-label label name(s) 'pos|itive' of model")
def c_r2_audit_multi_label_model_with_a_pipe_in_a_label(sb):
    model = multi_label_model(sb)
    sb.edit_config(model, id2label={"0": "negative", "1": "pos|itive"}, label2id={"negative": 0, "pos|itive": 1})
    return audit(sb, "--label-col", "labels", model=model, data=label_lists(sb, '"[""negative""]"', ""))


# ------------------------------------------------------------------ model cards: --update never rewrites what it does not own

def card_update(sb, content, name: str = "README.md"):
    card = sb.write(name, content)
    return ["report", str(sb.run_copy()), "--format", "model-card", "--update", "--out", str(card)]


@case("has 1 start marker(s) and 0 end marker(s) of the auditkit audit block")
def c_r2_card_orphan_start_marker(sb):
    from auditkit.export._model_card import BLOCK_START
    return card_update(sb, f"# My model\n\n{BLOCK_START}\nold audit\n\nAUTHOR TEXT that must survive\n")


@case("has 2 start marker(s) and 1 end marker(s)")
def c_r2_card_two_start_markers(sb):
    from auditkit.export._model_card import BLOCK_END, BLOCK_START
    return card_update(sb, f"# M\n\n{BLOCK_START}\nx\n\nmine\n\n{BLOCK_START}\ny\n{BLOCK_END}\n")


@case("has 1 start marker(s) and 1 end marker(s)")
def c_r2_card_end_marker_before_start(sb):
    from auditkit.export._model_card import BLOCK_END, BLOCK_START
    return card_update(sb, f"# M\n\n{BLOCK_END}\nmine\n{BLOCK_START}\n")


@case("has metadata tags of type dict, not a list of strings; auditkit will not rewrite it")
def c_r2_card_tags_a_mapping(sb):
    return card_update(sb, "---\ntags: {a: 1}\n---\n# M\n")


@case("has metadata tags of type int, not a list of strings")
def c_r2_card_tags_a_number(sb):
    return card_update(sb, "---\ntags: 5\n---\n# M\n")


@case("has metadata model_name of type list, not a string")
def c_r2_card_model_name_a_list(sb):
    return card_update(sb, "---\nmodel_name: [1, 2]\n---\n# M\n")


@case("has metadata model-index of type int, not a list of results")
def c_r2_card_model_index_a_number(sb):
    return card_update(sb, "---\nmodel-index: 5\n---\n# M\n")


@case("has a YAML metadata block that cannot be read (the block holds list, not a mapping)")
def c_r2_card_metadata_a_list(sb):
    return card_update(sb, "---\n- a\n- b\n---\n# M\n")


@case("is not UTF-8 text (bad byte 0xff at byte 0, line 1)")
def c_r2_card_utf16(sb):
    return card_update(sb, "# My model\n".encode("utf-16"))


@case("is not UTF-8 text")
def c_r2_card_binary(sb):
    return card_update(sb, bytes(range(128, 256)) * 4)


@case("holds NUL bytes (a binary or UTF-16 file), not UTF-8 text")
def c_r2_card_nul_bytes(sb):
    return card_update(sb, b"# M\n\x00\x00\x00binary\n")


@case("is a named pipe, not a regular file")
def c_r2_card_fifo(sb):
    return ["report", str(sb.run_copy()), "--format", "model-card", "--update", "--out", str(sb.fifo("README.md"))]


# ------------------------------------------------------------------ MLflow tracking URIs: refused before anything is created

def mlflow_export(sb, uri: str):
    return ["export", "mlflow", str(sb.run_copy()), "--tracking-uri", uri]


@case("cannot reach the MLflow database server 'postgresql://user:***@127.0.0.1:9/db' (Connection refused)")
def c_r2_mlflow_postgres_closed_port(sb):
    return mlflow_export(sb, "postgresql://user:secret@127.0.0.1:9/db")


@case("cannot reach the MLflow database server 'mysql://127.0.0.1:9/db'")
def c_r2_mlflow_mysql_closed_port(sb):
    return mlflow_export(sb, "mysql://127.0.0.1:9/db")


@case("needs a database driver that is not installed")
def c_r2_mlflow_postgres_socket_without_driver(sb):
    pytest.importorskip("sqlalchemy")
    import importlib.util

    if importlib.util.find_spec("psycopg") or importlib.util.find_spec("psycopg2"):
        pytest.skip("a PostgreSQL driver is installed here")
    return mlflow_export(sb, "postgresql:///db")


@case("names no database file; write sqlite:///RELATIVE/PATH.db or sqlite:////ABSOLUTE/PATH.db")
def c_r2_mlflow_sqlite_two_slashes(sb):
    return mlflow_export(sb, "sqlite://rel.db")


@case("names no database file")
def c_r2_mlflow_sqlite_no_path(sb):
    return mlflow_export(sb, "sqlite:///")


@case("is not an SQLite database; pass a new file name or an MLflow database")
def c_r2_mlflow_sqlite_file_that_is_not_a_database(sb):
    sb.write("notes.db", "my notes, not a database\n")
    return mlflow_export(sb, "sqlite:///notes.db")


@case("is a directory, not an SQLite database file")
def c_r2_mlflow_sqlite_path_is_a_directory(sb):
    (sb.path / "store.db").mkdir()
    return mlflow_export(sb, "sqlite:///store.db")


@case("is a named pipe, not a regular file, not an SQLite database file")
def c_r2_mlflow_sqlite_path_is_a_fifo(sb):
    sb.fifo("store.db")
    return mlflow_export(sb, "sqlite:///store.db")


@case("MLflow refuses the file store 'file:./mlruns-here'")
def c_r2_mlflow_file_uri_leaves_no_folder(sb):
    if os.environ.get("MLFLOW_ALLOW_FILE_STORE", "").lower() in ("true", "1"):
        pytest.skip("this environment allows MLflow's file store")
    return mlflow_export(sb, "file:./mlruns-here")


@case("MLflow refuses the file store 'relative/mlruns'")
def c_r2_mlflow_relative_folder_leaves_no_folder(sb):
    if os.environ.get("MLFLOW_ALLOW_FILE_STORE", "").lower() in ("true", "1"):
        pytest.skip("this environment allows MLflow's file store")
    return mlflow_export(sb, "relative/mlruns")


@case("has a port that is not a number")
def c_r2_mlflow_http_port_not_a_number(sb):
    return mlflow_export(sb, "http://127.0.0.1:notaport")


@case("is not an SQLite database")
def c_r2_audit_mlflow_refused_before_the_audit(sb):
    sb.write("notes.db", "not a database")
    return audit(sb, "--mlflow", "sqlite:///notes.db")


# ------------------------------------------------------------------ Ray addresses that are not a Ray head

def _serve(sb, reply: bytes | None) -> int:
    """A one-connection TCP server on a free port that answers ``reply`` (None: accepts and says nothing)."""
    import socket
    import threading

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.settimeout(30)

    def answer():
        try:
            conn, _ = server.accept()
            with conn:
                conn.recv(64)
                if reply is not None:
                    conn.sendall(reply)
                else:
                    conn.settimeout(10)
                    conn.recv(64)  # until the client gives up
        except OSError:
            pass
        finally:
            server.close()

    threading.Thread(target=answer, daemon=True).start()
    return server.getsockname()[1]


@case("something listens there, but not a Ray head node (no gRPC server)")
def c_r2_ray_address_of_an_http_server(sb):
    pytest.importorskip("ray")
    port = _serve(sb, b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
    return audit(sb, "--engine", "ray", "--ray-address", f"127.0.0.1:{port}")


@case("it accepts connections but does not answer as a Ray head node")
def c_r2_ray_address_of_a_silent_server(sb):
    pytest.importorskip("ray")
    return audit(sb, "--engine", "ray", "--ray-address", f"127.0.0.1:{_serve(sb, None)}")


# ------------------------------------------------------------------ the test

@pytest.fixture(scope="session")
def assets(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile-assets")
    model = A.save_model(root / "model")
    data = root / "data.csv"
    data.write_text("text,label\n" + "good food,positive\nbad food,negative\n" * 5)
    code = main(["audit", "--model", str(model), "--data", str(data), "--out", str(root / "run"), *FAST, "--attributions", "2"])
    assert code == 0
    probes = ["--n-boot", "0", "--attributions", "0", "--probe-n-boot", "100"]  # two runs with probes, on different data
    assert main(["audit", "--model", str(model), "--data", str(data), "--out", str(root / "probe_run"), *probes]) == 0
    other = root / "other.csv"
    other.write_text("text,label\n" + "she loved the food,positive\nhe hated the soup,negative\n" * 5)
    assert main(["audit", "--model", str(model), "--data", str(other), "--out", str(root / "probe_run_other"), *probes]) == 0
    return {"root": root, "model": model, "run": root / "run", "probe_run": root / "probe_run", "probed_run": root / "probe_run",
            "probe_run_other": root / "probe_run_other",
            "small_vocab_model": A.save_model(root / "small-vocab", vocab_size=1000)}


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_input_is_refused_with_one_line_and_nothing_written(name, assets, tmp_path, capsys, monkeypatch):
    H.assert_refused(*CASES[name], assets, tmp_path, capsys, monkeypatch)


def test_the_corpus_is_large():
    assert len(CASES) >= 190
    assert sum(name.startswith("r2_") for name in CASES) >= 80  # the second pass
