"""The hostile-input corpus: bad or hostile inputs to every command, each refused the same way.

Every case asserts what the README promises for bad input: exit status 2,
exactly one line on stderr (``auditkit: error: ...``, naming the problem),
no traceback, nothing written or changed anywhere in the case's folder or
the shared assets (the trees are compared before and after), and no marker
file from model code that must never run. The CLI runs in-process.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from auditkit.cli import main

_spec = importlib.util.spec_from_file_location("auditkit_test_hostile_assets", Path(__file__).with_name("_assets.py"))
A = sys.modules.setdefault("auditkit_test_hostile_assets", importlib.util.module_from_spec(_spec))
if not hasattr(A, "tree"):
    _spec.loader.exec_module(A)

FAST = ["--n-boot", "0", "--probes", "none", "--attributions", "0"]
CASES = {}


def case(fragment: str):
    """Register ``fn(sandbox) -> argv`` as a case whose one stderr line contains ``fragment``."""

    def register(fn):
        CASES[fn.__name__.removeprefix("c_")] = (fn, fragment)
        return fn

    return register


def audit(sb, *extra, data=None, model=None, out=None):
    return ["audit", "--model", str(model or sb.model), "--data", str(data or sb.data),
            "--out", str(out or sb.path / "out"), *FAST, *map(str, extra)]


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

@case("--n-boot must be 0 or more")
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


# ------------------------------------------------------------------ the test

@pytest.fixture(scope="session")
def assets(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile-assets")
    model = A.save_model(root / "model")
    data = root / "data.csv"
    data.write_text("text,label\n" + "good food,positive\nbad food,negative\n" * 5)
    code = main(["audit", "--model", str(model), "--data", str(data), "--out", str(root / "run"), *FAST, "--attributions", "2"])
    assert code == 0
    probed = ["audit", "--model", str(model), "--data", str(data), "--out", str(root / "probed-run"), "--n-boot", "0",
              "--probes", "gender", "--probe-n-boot", "100", "--attributions", "0"]
    assert main(probed) == 0
    return {"root": root, "model": model, "run": root / "run", "probed_run": root / "probed-run",
            "small_vocab_model": A.save_model(root / "small-vocab", vocab_size=1000)}


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_input_is_refused_with_one_line_and_nothing_written(name, assets, tmp_path, capsys, monkeypatch):
    from contextlib import ExitStack

    build, fragment = CASES[name]
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.chdir(tmp_path)
    with ExitStack() as stack:
        sb = A.Sandbox(tmp_path, assets)
        sb.stack = stack
        argv = build(sb)
        before = A.tree(tmp_path), A.tree(assets["root"])
        capsys.readouterr()
        code = main(argv)
        out, err = capsys.readouterr()
        after = A.tree(tmp_path), A.tree(assets["root"])
    lines = err.splitlines()
    assert code == 2, (code, out, err)
    assert len(lines) == 1 and lines[0].startswith("auditkit: error: "), err
    assert "Traceback" not in err
    assert fragment in lines[0], lines[0]
    assert after == before
    assert not sb.marker.exists()


def test_the_corpus_is_large():
    assert len(CASES) >= 60
