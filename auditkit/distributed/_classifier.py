"""A TextClassifier whose predictions run on a pool of Ray actors, each a replica of the model."""

from __future__ import annotations

import math
import sys
import numpy as np

from auditkit.distributed._cluster import import_ray
from auditkit.errors import ModelError
from auditkit.models import Predictions, TextClassifier
from auditkit.models._precision import check_precision

#: Rows per block: each block goes to one replica, which sorts it by length and batches it.
ROWS_PER_BLOCK = 4096


class _Replica:
    """One classifier replica in a Ray actor: the model is deserialised once, then scores blocks of texts."""

    def __init__(self, payload: tuple, *, device: str, threads: int, precision: str):
        import torch

        model, tokenizer, max_length = payload  # Ray resolves the object-store reference before the call
        if device == "cpu":
            torch.set_num_threads(threads)
        self.classifier = TextClassifier(model, tokenizer, device=torch.device(device), max_length=max_length,
                                         precision=precision)

    def score(self, texts: list[str], batch_size: int, workload: int) -> tuple[np.ndarray, int, tuple]:
        """Probabilities of ``texts`` (the local engine's length-sorted batches), how many were truncated,
        and how this replica computed them: ``(precision, route, note)`` (see :meth:`TextClassifier.describe`).
        At its first block the replica chooses its route, measured on that block, for ``workload`` texts."""
        self.classifier.prepare_route(texts, workload=workload)
        predictions = self.classifier.predict_proba(texts, batch_size=batch_size, progress=False)
        how = (self.classifier.precision, self.classifier.route, self.classifier.route_note)
        return predictions.probabilities, predictions.n_truncated, how


class RayClassifier(TextClassifier):
    """A :class:`~auditkit.models.TextClassifier` that predicts on a Ray cluster.

    The driver keeps the model it was given (labels, fingerprint and
    attributions use it); ``predict_proba`` splits the texts into blocks and
    scores them on a pool of replica actors. The pool starts at the first
    call and serves every later one (prediction, probe scoring, the
    faithfulness of attributions), so each replica deserialises the weights
    once per audit — they come through Ray's object store, so worker nodes
    need no copy of the checkpoint. Each replica runs the same
    length-sorted, bucketed batching as the local engine on every block.
    Rows come back in input order.

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
        # the driver never predicts (its replicas do, each choosing its own route): no route to measure here
        super().__init__(classifier.model, classifier.tokenizer, device=classifier.device, source=classifier.source,
                         fingerprint=classifier.fingerprint, max_length=classifier.max_length,
                         route="torch-fp32" if classifier.device.type == "cpu" else None)
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
        self.precision = self.requested_precision = precision
        # each replica measures and chooses its own route (and may run fp32 for an int8 request): recorded as they report
        self.route = self.route_note = None
        self._seen: set[tuple] = set()
        self._pool = None

    @property
    def where(self) -> str:
        """Where predictions run, in words."""
        each = "1 GPU" if self.gpus_per_replica else f"{self.threads_per_replica} CPU thread(s)"
        return f"Ray: {self.replicas} replica(s), {each} each"

    def _actors(self) -> list:
        """The replica actors, started at the first call."""
        if self._pool is None:
            ray = import_ray()
            payload = ray.put((self.model.to("cpu"), self.tokenizer, self.max_length))
            self.model.to(self.device)
            # no restarts by Ray: a lost replica fails the call, and _predict starts a fresh pool once (see there)
            replica = ray.remote(num_cpus=0 if self.gpus_per_replica else self.threads_per_replica,
                                 num_gpus=self.gpus_per_replica, max_restarts=0)(_Replica)
            options = {"device": "cuda" if self.gpus_per_replica else "cpu", "threads": self.threads_per_replica,
                       "precision": self.precision}
            self._pool = (payload, [replica.remote(payload, **options) for _ in range(self.replicas)])
        return self._pool[1]

    def close(self) -> None:
        """Stop the replica actors (they also stop when this classifier is garbage-collected)."""
        if self._pool is not None:
            ray = import_ray()
            for actor in self._pool[1]:
                ray.kill(actor)
            self._pool = None

    def _predict(self, texts: list[str], *, batch_size: int, progress: bool | None) -> Predictions:
        """``predict_proba`` on the replica actors (same contract as the local one).

        A replica lost on the way (its node gone, killed for memory) fails the
        pass; the pool is then started afresh and the pass run once more.
        """
        ray = import_ray()
        n = len(texts)
        if n == 0:
            return Predictions(np.empty((0, len(self.labels)), dtype=np.float32), 0)
        n_blocks = max(min(n, self.replicas), math.ceil(n / self.rows_per_block))  # every replica gets work
        bounds = np.linspace(0, n, n_blocks + 1).astype(int)
        blocks = list(zip(bounds[:-1], bounds[1:]))
        show = sys.stderr.isatty() if progress is None else progress
        for attempt in (1, 2):
            try:
                return self._score(texts, blocks, batch_size=batch_size, show=show)
            except ray.exceptions.RayActorError as exc:
                self.close()
                if attempt == 2:
                    raise ModelError(f"a Ray replica was lost twice while predicting: {_first_line(exc)}") from None
            except ray.exceptions.RayError as exc:
                raise ModelError(f"a Ray replica failed while predicting: {_first_line(exc)}") from None

    def _score(self, texts: list[str], blocks: list[tuple[int, int]], *, batch_size: int, show: bool) -> Predictions:
        """One pass over ``blocks`` (row ranges of ``texts``), handed to the replicas as each becomes free."""
        from ray.util import ActorPool

        out = np.empty((len(texts), len(self.labels)), dtype=np.float32)
        n_truncated = 0
        bar = None
        if show:
            from tqdm.auto import tqdm

            bar = tqdm(total=len(texts), desc="predict (ray)", unit="row", leave=False)
        try:
            workload = math.ceil(len(texts) / min(self.replicas, len(blocks)))  # what one replica predicts, about
            scored = ActorPool(self._actors()).map(
                lambda actor, block: actor.score.remote(texts[block[0]:block[1]], batch_size, workload), blocks)
            seen = set()
            for (start, stop), (probabilities, truncated, how) in zip(blocks, scored):  # in block order
                out[start:stop] = probabilities
                n_truncated += truncated
                seen.add(tuple(how))
                if bar is not None:
                    bar.update(stop - start)
            self._record_routes(seen)
        finally:
            if bar is not None:
                bar.close()
        return Predictions(out, n_truncated)

    def _record_routes(self, seen: set[tuple]) -> None:
        """How the replicas computed, as the run records it, from their ``(precision, route, note)``.

        One route when they agree, else every name with a note saying so
        (replicas on different CPUs may measure differently). The precision
        is what ran: fp32 when every replica fell back from int8; int8 when
        any replica ran int8 (the predictions are then not all fp32's), with
        the note naming the precisions.
        """
        self._seen |= {how for how in seen if how[1] is not None}
        if not self._seen:
            return
        precisions = {p for p, _, _ in self._seen}
        routes = sorted({r for _, r, _ in self._seen})
        reasons = sorted({n for _, _, n in self._seen if n})
        self.precision = self.requested_precision if self.requested_precision in precisions else precisions.pop()
        self.route = ", ".join(routes)
        if len(routes) > 1:
            reasons.append(f"replicas chose different routes ({self.route})")
        if len({p for p, _, _ in self._seen}) > 1:
            ran = sorted({f"{p} ({r})" for p, r, _ in self._seen})
            reasons.append(f"replicas ran different precisions: {', '.join(ran)}")
        self.route_note = "; ".join(reasons) or None


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:300] if text else type(exc).__name__
