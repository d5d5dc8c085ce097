"""A TextClassifier whose predictions run on a Ray Data actor pool of replicas."""

from __future__ import annotations

import math
import sys
import numpy as np
import pandas as pd

from auditkit.distributed._cluster import import_ray, ordered_context
from auditkit.errors import ModelError
from auditkit.models import Predictions, TextClassifier, check_precision

#: Rows per Ray block: each block goes to one replica, which sorts it by length and batches it.
ROWS_PER_BLOCK = 4096
_TRUNCATED = "_n_truncated"


class _Replica:
    """One classifier replica in a Ray actor: the model is deserialised once, then scores blocks."""

    def __init__(self, payload: list, *, device: str, threads: int, batch_size: int, precision: str):
        import ray
        import torch

        model, tokenizer, max_length = ray.get(payload[0])
        if device == "cpu":
            torch.set_num_threads(threads)
        self.classifier = TextClassifier(model, tokenizer, device=torch.device(device), max_length=max_length,
                                         precision=precision)
        self.batch_size = batch_size

    def __call__(self, block: pd.DataFrame) -> pd.DataFrame:
        predictions = self.classifier.predict_proba(block["text"].tolist(), batch_size=self.batch_size, progress=False)
        out = pd.DataFrame({"row": block["row"].to_numpy()})
        for k in range(predictions.probabilities.shape[1]):
            out[f"p{k}"] = predictions.probabilities[:, k]
        # the block's truncation count rides on its first row, so the driver can sum it
        out[_TRUNCATED] = 0
        out.loc[out.index[0], _TRUNCATED] = predictions.n_truncated
        return out


class RayClassifier(TextClassifier):
    """A :class:`~auditkit.models.TextClassifier` that predicts on a Ray cluster.

    The driver keeps the model it was given (labels, fingerprint and
    attributions use it); ``predict_proba`` sends the texts as a Ray dataset
    through ``map_batches`` over an actor pool of replicas. Each replica
    receives the weights once (through Ray's object store, so worker nodes
    need no copy of the checkpoint) and runs the same length-sorted,
    bucketed batching as the local engine on every block. Rows come back in
    input order.

    Parameters
    ----------
    classifier : TextClassifier
        The loaded model to replicate.
    replicas : int, optional
        Actors in the pool. Default: one per GPU when the cluster has GPUs,
        else one per ``threads_per_replica`` CPUs.
    threads_per_replica : int, optional
        Torch threads (and Ray CPUs) per CPU actor; default: the cluster's
        CPUs shared among ``replicas``, else 4 (or fewer on a small cluster).
    rows_per_block : int, default 4096
    precision : str, default "fp32"
        Applied by each replica on its own device (int8 on CPU replicas,
        bf16/fp16 on GPU replicas); ``classifier`` itself must be fp32.
    """

    def __init__(self, classifier: TextClassifier, *, replicas: int | None = None,
                 threads_per_replica: int | None = None, rows_per_block: int = ROWS_PER_BLOCK,
                 precision: str = "fp32"):
        if classifier.precision != "fp32":
            raise ModelError("RayClassifier replicates an fp32 classifier; pass precision= to RayClassifier instead")
        super().__init__(classifier.model, classifier.tokenizer, device=classifier.device, source=classifier.source,
                         fingerprint=classifier.fingerprint, max_length=classifier.max_length)
        ray = import_ray()
        if not ray.is_initialized():
            raise ModelError("RayClassifier needs a Ray connection; call auditkit.distributed.connect() first")
        resources = ray.cluster_resources()
        cpus, gpus = int(resources.get("CPU", 1)), int(resources.get("GPU", 0))
        self.gpus_per_replica = 1 if gpus else 0
        if gpus:
            self.replicas = max(1, replicas or gpus)
            self.threads_per_replica = max(1, threads_per_replica or 1)
        else:
            self.threads_per_replica = max(1, threads_per_replica or (cpus // replicas if replicas else min(4, cpus)) or 1)
            self.replicas = max(1, replicas or cpus // self.threads_per_replica)
            if self.replicas * self.threads_per_replica > cpus:  # the pool would wait for CPUs that never come
                raise ModelError(f"{self.replicas} replica(s) x {self.threads_per_replica} thread(s) need "
                                 f"{self.replicas * self.threads_per_replica} CPUs, the Ray cluster has {cpus}; "
                                 "ask for fewer replicas", parameter="replicas")
        if rows_per_block < 1:
            raise ModelError(f"rows per block must be at least 1, got {rows_per_block}")
        self.rows_per_block = rows_per_block
        check_precision(precision, "cuda" if self.gpus_per_replica else "cpu")
        self.precision = precision
        self._payload = None

    @property
    def where(self) -> str:
        """Where predictions run, in words."""
        each = "1 GPU" if self.gpus_per_replica else f"{self.threads_per_replica} CPU thread(s)"
        return f"Ray: {self.replicas} replica(s), {each} each"

    def _predict(self, texts: list[str], *, batch_size: int, progress: bool | None) -> Predictions:
        """``predict_proba`` on the Ray actor pool (same contract as the local one)."""
        ray = import_ray()
        k = len(self.labels)
        if self._payload is None:  # the weights go to the object store once per classifier
            self._payload = ray.put((self.model.to("cpu"), self.tokenizer, self.max_length))
            self.model.to(self.device)
        ordered_context()
        show = sys.stderr.isatty() if progress is None else progress
        n = len(texts)
        n_blocks = max(min(n, self.replicas), math.ceil(n / self.rows_per_block))  # every replica gets work
        bounds = np.linspace(0, n, n_blocks + 1).astype(int)
        blocks = [pd.DataFrame({"row": np.arange(a, b), "text": texts[a:b]}) for a, b in zip(bounds[:-1], bounds[1:])]
        scored = ray.data.from_pandas(blocks).map_batches(
            _Replica,
            fn_constructor_args=([self._payload],),
            fn_constructor_kwargs={"device": "cuda" if self.gpus_per_replica else "cpu",
                                   "threads": self.threads_per_replica, "batch_size": batch_size,
                                   "precision": self.precision},
            batch_size=None,
            batch_format="pandas",
            compute=ray.data.ActorPoolStrategy(size=self.replicas),
            num_gpus=self.gpus_per_replica,
            num_cpus=0 if self.gpus_per_replica else self.threads_per_replica,
        )
        out = np.empty((n, k), dtype=np.float32)
        n_truncated = 0
        bar = None
        if show:
            from tqdm.auto import tqdm

            bar = tqdm(total=n, desc="predict (ray)", unit="row", leave=False)
        for batch in scored.iter_batches(batch_size=None, batch_format="pandas"):
            rows = batch["row"].to_numpy()
            out[rows] = batch[[f"p{j}" for j in range(k)]].to_numpy(dtype=np.float32)
            n_truncated += int(batch[_TRUNCATED].sum())
            if bar is not None:
                bar.update(len(rows))
        if bar is not None:
            bar.close()
        return Predictions(out, n_truncated)
