"""Inference for crossed probe designs: lexicon rows x templates.

A probe family is a few lexicon rows (name or noun pairs) crossed with a few
templates; every (row, template) cell repeats the row's and the template's
idiosyncrasy, so its sentences are not independent samples. The unit of
inference is the cell of the matrix ``D[row, template]`` of paired differences
(averaged over the template's slot words), and both rows and templates are
random: the variance of the mean has a row part, a template part and a
residual part (a two-way random-effects model without replication)::

    D[i, j] = gap + a_i + b_j + e_ij
    Var(mean) = s2_a / R + s2_b / T + s2_e / (R T)

The components come from the two-way ANOVA mean squares (method of moments,
negative estimates set to zero) and the degrees of freedom from
Satterthwaite's approximation. Every interval and test of a gap is one t
statistic ``(gap - h) / se`` on those degrees of freedom: the interval
``gap ± t(df, 1 - alpha/2) se``, the test of a zero gap, the test that
``|gap|`` exceeds a minimum effect and the equivalence test (TOST, whose
``1 - 2 alpha`` interval is ``gap ± t(df, 1 - alpha) se``), so an interval
and its test cannot disagree. The "pigeonhole" bootstrap of Owen (2007),
which resamples rows and templates independently, is kept as an independent
check of the standard error. Dataset counterfactuals (a user's texts and
their swaps) are a third kind of component: texts stratified by the group
the original text mentions and, when given, clustered by the term that was
swapped (the same few terms recur, so their texts are not independent).

Several families of one attribute combine with explicit weights (equal per
family): row draws are independent per family, the template draw is shared.

A family may also be a *block design*: its rows fall into blocks and each
block is crossed with its own templates (the English pack crosses a row with a
quarter of its templates, so four times the templates cost no more
sentences). Its matrix then has missing cells (NaN) outside the blocks. Each
complete block is a small crossed design of its own; blocks of one family, and
blocks of several families that share their template set, share that set's
template draw, while disjoint template sets are independent draws. The gap of
a family is the mean of its observed cells, and the variance adds the blocks'
row, residual and template parts (with one template part per template set)::

    Var(mean) = sum over blocks of w_b^2 (s2_a / R_b + s2_e / (R_b T_b))
                + sum over template sets of W_s^2 s2_b / T_s

so the template part falls with the total number of templates, not with the
number each row meets.

References
----------
Owen, A. B. (2007). The pigeonhole bootstrap. Annals of Applied Statistics 1(2).
Satterthwaite, F. E. (1946). An approximate distribution of estimates of
variance components. Biometrics Bulletin 2(6).
Schuirmann, D. J. (1987). A comparison of the two one-sided tests procedure
and the power approach for assessing the equivalence of average
bioavailability. J. Pharmacokinetics and Biopharmaceutics 15(6).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Sequence

import numpy as np
from scipy import stats

__all__ = [
    "TemplateComponent",
    "TextComponent",
    "CrossedEstimate",
    "LeftOut",
    "crossed_estimate",
    "variance_components",
    "crossed_bootstrap",
    "percentile_interval",
    "consistent_templates",
    "equivalence_p_value",
    "leave_one_out",
]

#: Differences this small are float noise of identical scores.
EXACT_TOL = 1e-12
#: Beyond this many texts in a stratum, the bootstrap mean is drawn from its normal limit.
_MAX_EXPLICIT_TEXTS = 50_000
#: Resampled values held at once when texts are resampled explicitly.
_RESAMPLED_PER_CHUNK = 2_000_000


@dataclass(frozen=True)
class TemplateComponent:
    """One template family: a rows x templates matrix of paired differences.

    Attributes
    ----------
    matrix : ndarray of shape (n_rows, n_templates)
        ``D[i, j]``: mean over template ``j``'s slot words of the paired
        difference for lexicon row ``i``; NaN where row ``i`` is not crossed
        with template ``j`` (a block design: rows with the same observed
        templates form a block, and blocks' template sets are disjoint).
    templates : tuple of str
        Template ids, one per column. Components of one estimate share a
        template (its draw) by id; a template set is either shared whole or
        not at all.
    weight : float
        Weight of this family in the estimate.
    rows : tuple of str, optional
        Row ids, one per matrix row (default ``"0"``, ``"1"``...): how
        :func:`leave_one_out` names a row.
    name : str, optional
        What the component is (its probe family).
    """

    matrix: np.ndarray
    templates: tuple[str, ...]
    weight: float = 1.0
    rows: tuple[str, ...] = ()
    name: str = ""

    @property
    def n_rows(self) -> int:
        return int(self.matrix.shape[0])

    @property
    def row_ids(self) -> tuple[str, ...]:
        return self.rows or tuple(str(i) for i in range(self.n_rows))

    def blocks(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """``(row indices, column indices)`` of each complete block, in order of first row.

        Rows with the same observed templates form a block; rows with none are
        left out. Raises ValueError when two blocks share a template (the
        missing cells are not a block design).

        Examples
        --------
        >>> D = np.full((4, 4), np.nan)
        >>> D[np.ix_([0, 2], [0, 2])] = 1.0
        >>> D[np.ix_([1, 3], [1, 3])] = 2.0
        >>> [(r.tolist(), c.tolist()) for r, c in TemplateComponent(D, tuple("abcd")).blocks()]
        [([0, 2], [0, 2]), ([1, 3], [1, 3])]
        """
        observed = ~np.isnan(np.asarray(self.matrix, dtype=float))
        patterns: dict[bytes, list[int]] = {}
        for i in range(observed.shape[0]):
            if observed[i].any():
                patterns.setdefault(observed[i].tobytes(), []).append(i)
        used = np.zeros(observed.shape[1], dtype=bool)
        out = []
        for rows in patterns.values():
            cols = np.flatnonzero(observed[rows[0]])
            if used[cols].any():
                raise ValueError("the matrix's missing cells are not a block design: two row blocks share a template")
            used[cols] = True
            out.append((np.asarray(rows), cols))
        return out


@dataclass(frozen=True)
class TextComponent:
    """Dataset counterfactuals: one paired difference per text, in strata, optionally in clusters.

    Attributes
    ----------
    differences : ndarray of shape (n_texts,)
    strata : ndarray of shape (n_texts,)
        The group the original text mentions (its swaps are the other
        groups), or another label for mixed texts. Strata weigh equally, so
        an artefact of swapping in one direction does not pass for bias.
    weight : float
    clusters : ndarray of shape (n_texts,), optional
        The term swapped in each text (e.g. ``"she/he"``). Texts that swap
        the same term share that term's effect, so the variance is a
        cluster-robust one over terms with ``n_terms - 1`` degrees of
        freedom; without clusters every text is independent.
    name : str, optional
        What the component is (its probe family).
    """

    differences: np.ndarray
    strata: np.ndarray
    weight: float = 1.0
    clusters: np.ndarray | None = None
    name: str = ""

    @property
    def n_rows(self) -> int:
        """Independent units: swapped terms when clustered, else texts."""
        if self.clusters is not None:
            return len(dict.fromkeys(self.clusters[self._kept()].tolist()))
        return int(len(self.differences))

    def _kept(self) -> np.ndarray:
        """Texts of strata with at least two texts (others cannot be weighed)."""
        keep = np.zeros(len(self.differences), dtype=bool)
        for s in dict.fromkeys(self.strata.tolist()):
            mask = self.strata == s
            if mask.sum() >= 2:
                keep |= mask
        return keep

    def stratum_arrays(self) -> list[np.ndarray]:
        """The differences of each stratum with at least two texts (others cannot be weighed)."""
        out = []
        for s in dict.fromkeys(self.strata.tolist()):
            d = self.differences[self.strata == s]
            if len(d) >= 2:
                out.append(d)
        return out

    def without(self, mask: np.ndarray) -> "TextComponent":
        """The component with the texts in ``mask`` left out."""
        keep = ~np.asarray(mask, dtype=bool)
        return replace(self, differences=self.differences[keep], strata=self.strata[keep],
                       clusters=None if self.clusters is None else self.clusters[keep])


@dataclass(frozen=True)
class CrossedEstimate:
    """Point estimate, standard error and Satterthwaite degrees of freedom.

    ``se`` and ``df`` are None when the design cannot estimate its variance
    (a family with one row, a stratum set with too few texts). Every test and
    interval below is the same t statistic on ``df`` degrees of freedom.
    """

    gap: float
    se: float | None
    df: float | None
    components: dict

    def _exact(self) -> bool:
        return self.se is not None and self.se <= EXACT_TOL

    def t_test(self) -> float | None:
        """Two-sided p-value of ``gap = 0``."""
        return self.min_effect_p_value(0.0)

    def min_effect_p_value(self, margin: float) -> float | None:
        """p-value of ``|gap| <= margin`` against ``|gap| > margin``, each direction at half the level.

        ``2 P(T > (|gap| - margin) / se)``: it rejects at alpha exactly when
        the ``1 - alpha`` t interval lies wholly beyond ``+margin`` or wholly
        below ``-margin``, so its size is at most alpha on the whole null
        ``|gap| <= margin`` (alpha/2 at each edge for a precise gap). With a
        margin of 0 it is the two-sided test of a zero gap.
        """
        if self.se is None:
            return None
        excess = abs(self.gap) - margin
        if self._exact():
            return 0.0 if excess > EXACT_TOL else 1.0
        return float(min(1.0, 2 * stats.t.sf(excess / self.se, self.df)))

    def t_interval(self, confidence_level: float) -> tuple[float | None, float | None]:
        """``gap ± t(df, (1 + confidence_level) / 2) se``: the interval of the same t statistic."""
        if self.se is None:
            return None, None
        if self._exact():
            return self.gap, self.gap
        half = float(stats.t.ppf(0.5 + confidence_level / 2, self.df)) * self.se
        return self.gap - half, self.gap + half


@dataclass(frozen=True)
class LeftOut:
    """The estimate with one unit left out (see :func:`leave_one_out`).

    Attributes
    ----------
    unit : {"template", "row", "term"}
    component : str or None
        Name of the component the row or term belongs to (its index when it
        has none); None for a template (shared by every template component).
    key : str
        The template id, row id or swapped term.
    estimate : CrossedEstimate
    """

    unit: str
    component: str | None
    key: str
    estimate: CrossedEstimate


def _weights(components) -> list[float]:
    total = float(sum(c.weight for c in components))
    return [c.weight / total for c in components]


@dataclass(frozen=True)
class _Block:
    """One complete block of a template component, with its absolute weight in the estimate."""

    component: int
    matrix: np.ndarray
    templates: tuple[str, ...]
    weight: float


def _template_blocks(components, weights) -> dict[tuple[str, ...], list[_Block]]:
    """Complete blocks of the template components, grouped by their (sorted) template set.

    A block weighs its component's weight times its share of the component's
    observed cells. Raises ValueError when two template sets overlap without
    being equal (then no template draw can be shared consistently).
    """
    groups: dict[tuple[str, ...], list[_Block]] = {}
    owner: dict[str, tuple[str, ...]] = {}
    for k, (w, c) in enumerate(zip(weights, components)):
        if not isinstance(c, TemplateComponent):
            continue
        D = np.asarray(c.matrix, dtype=float)
        blocks = c.blocks()
        n_cells = sum(len(r) * len(j) for r, j in blocks)
        for rows, cols in blocks:
            order = sorted(range(len(cols)), key=lambda i: c.templates[cols[i]])
            cols = cols[order]
            key = tuple(str(c.templates[j]) for j in cols)
            for t in key:
                if owner.setdefault(t, key) != key:
                    raise ValueError(f"template {t!r} belongs to two different template sets; components of one "
                                     "estimate must share a template set whole or not at all")
            groups.setdefault(key, []).append(_Block(k, D[np.ix_(rows, cols)], key, w * len(rows) * len(cols) / n_cells))
    return groups


def consistent_templates(components) -> bool:
    """Whether the template components' blocks share template sets whole or not at all."""
    try:
        _template_blocks(components, [1.0] * len(components))
    except ValueError:
        return False
    return True


def _pooled_sums(sets) -> dict[int, list]:
    """Row and residual sums of squares of each family, pooled over its blocks (its rows are
    exchangeable, whichever block they were dealt to): SS and df summed.

    Returns component -> ``[SS_A, df_A, sum of df_A * T, SS_E, df_E, K_A, K_E]``, where ``K_A s2_a`` and
    ``K_E s2_e`` are the row and residual parts of the variance of the weighted mean.
    """
    pooled: dict[int, list] = {}
    for blocks in sets.values():
        for block in blocks:
            D, w = block.matrix, block.weight
            R, T = D.shape
            acc = pooled.setdefault(block.component, [0.0, 0, 0.0, 0.0, 0, 0.0, 0.0])
            row_means, grand = D.mean(axis=1), D.mean()
            acc[0] += T * float(np.sum((row_means - grand) ** 2))
            acc[1] += R - 1
            acc[2] += (R - 1) * T
            acc[3] += float(np.sum((D - row_means[:, None] - D.mean(axis=0)[None, :] + grand) ** 2))
            acc[4] += (R - 1) * (T - 1)
            acc[5] += w * w / R
            acc[6] += w * w / (R * T)
    return pooled


def variance_components(components: Sequence[TemplateComponent | TextComponent]) -> dict:
    """The variance components :func:`crossed_estimate` rests on, per family and per template set.

    Returns ``{"families": {i: {"rows": s2_a, "residual": s2_e}}, "templates": {template set: s2_b}}``:
    for template component ``i``, its row and residual variances (moment estimates from mean
    squares pooled over its blocks, the row variance floored at 0); for each template set, the
    template variance of its blocks' weight-normalised combined template means, net of their residual
    share (floored at 0). Text components have none. What power simulations draw designs from.
    """
    sets = _template_blocks(components, _weights(components))
    families = {}
    for c, (ss_a, df_a, dft, ss_e, df_e, *_) in _pooled_sums(sets).items():
        if df_a < 1:
            continue
        ms_e = ss_e / df_e if df_e else 0.0
        families[c] = {"rows": max(ss_a / df_a - ms_e, 0.0) / (dft / df_a), "residual": ms_e}
    templates = {}
    for key, blocks in sets.items():
        if blocks[0].matrix.shape[1] < 2:
            continue
        total = sum(block.weight for block in blocks)
        cols = sum((block.weight / total) * block.matrix.mean(axis=0) for block in blocks)
        share = sum((block.weight / total) ** 2 * families[block.component]["residual"] / block.matrix.shape[0]
                    for block in blocks if block.component in families)
        templates[key] = max(float(np.var(cols, ddof=1)) - share, 0.0)
    return {"families": families, "templates": templates}


def crossed_estimate(components: Sequence[TemplateComponent | TextComponent]) -> CrossedEstimate:
    """Weighted mean of the components' gaps with its crossed standard error.

    Parameters
    ----------
    components : sequence of TemplateComponent or TextComponent
        Weights are normalised to sum to one.

    Returns
    -------
    CrossedEstimate
        ``components`` holds the variance parts (``rows``, ``templates``,
        ``residual``, ``texts``), each already divided down to the variance of
        the mean.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> D = rng.normal(size=(10, 1)) + rng.normal(size=(1, 8)) + rng.normal(size=(10, 8))
    >>> est = crossed_estimate([TemplateComponent(D, tuple("abcdefgh"))])
    >>> round(est.gap, 6) == round(float(D.mean()), 6)
    True
    """
    if not components:
        raise ValueError("crossed_estimate needs at least one component")
    weights = _weights(components)
    gap = 0.0
    # V = sum of coef * MS over (nearly) independent mean squares, keyed so that one
    # mean square used by several parts gets one summed coefficient (Satterthwaite).
    terms: dict[tuple, list] = {}  # key -> [coef, mean square, df]
    parts = {"rows": 0.0, "templates": 0.0, "residual": 0.0, "texts": 0.0}
    estimable = True

    def add(key, coef, ms, df):
        terms.setdefault(key, [0.0, ms, df])[0] += coef

    sets = _template_blocks(components, weights)
    gap += sum(block.weight * float(block.matrix.mean()) for blocks in sets.values() for block in blocks)
    pooled = _pooled_sums(sets)
    ms_e_of = {}
    for c, (ss_a, df_a, dft, ss_e, df_e, k_a, k_e) in pooled.items():
        if df_a < 1:
            estimable = False
            continue
        ms_a = ss_a / df_a
        ms_e = ss_e / df_e if df_e else 0.0
        ms_e_of[c] = ms_e
        t_bar = dft / df_a  # templates per block, weighed by the rows' degrees of freedom
        if ms_a > ms_e:  # the row component; zero when its moment estimate is negative
            parts["rows"] += k_a * (ms_a - ms_e) / t_bar
            add(("rows", c), k_a / t_bar, ms_a, df_a)
            add(("residual", c), -k_a / t_bar, ms_e, df_e)
        parts["residual"] += k_e * ms_e
        add(("residual", c), k_e, ms_e, df_e)
    for g, blocks in enumerate(sets.values()):
        T = blocks[0].matrix.shape[1]
        if T < 2:
            continue
        combined_cols = sum(block.weight * block.matrix.mean(axis=0) for block in blocks)
        share = [(block.component, block.weight ** 2 / (block.matrix.shape[0] * T)) for block in blocks
                 if block.component in ms_e_of]  # each block's residual inside the template means
        s2_m = float(np.var(combined_cols, ddof=1))
        col = s2_m / T - sum(k * ms_e_of[c] for c, k in share)
        if col > 0:  # the template component of this set; zero when its moment estimate is negative
            parts["templates"] += col
            add(("templates", g), 1.0 / T, s2_m, T - 1)
            for c, k in share:
                add(("residual", c), -k, ms_e_of[c], pooled[c][4])

    for f, (w, c) in enumerate(zip(weights, components)):
        if not isinstance(c, TextComponent):
            continue
        strata = c.stratum_arrays()
        if not strata:
            estimable = False
            if len(c.differences):
                gap += w * float(np.mean(c.differences))
            continue
        v = 1.0 / len(strata)
        gap += w * v * sum(float(d.mean()) for d in strata)
        if c.clusters is None:
            for i, d in enumerate(strata):
                s2 = float(np.var(d, ddof=1))
                coef = (w * v) ** 2 / len(d)
                parts["texts"] += coef * s2
                add(("texts", f, i), coef, s2, len(d) - 1)
            continue
        var, n_clusters = _clustered_variance(c, w * v)
        if n_clusters < 2:
            estimable = False
            continue
        parts["texts"] += var
        add(("texts", f), 1.0, var, n_clusters - 1)

    if not estimable:
        return CrossedEstimate(float(gap), None, None, parts)
    var = sum(parts.values())
    se = float(np.sqrt(max(var, 0.0)))
    denom = sum((coef * ms) ** 2 / df for coef, ms, df in terms.values() if df > 0 and coef)
    df = float(var * var / denom) if denom > 0 else None
    if se > EXACT_TOL and df is None:
        df = float("inf")
    return CrossedEstimate(float(gap), se, df, parts)


def _clustered_variance(comp: TextComponent, scale: float) -> tuple[float, int]:
    """Cluster-robust variance of ``scale`` x (sum over strata of the stratum means), and the number of clusters.

    Each text enters the estimate with coefficient ``scale / n_stratum``; its
    residual is taken from its stratum's mean, and the residuals are summed
    within a cluster (a swapped term, across strata, since one term's effect
    reaches every stratum that swaps it) before squaring, with the usual
    ``G / (G - 1)`` small-sample factor (Liang and Zeger 1986).
    """
    keep = comp._kept()
    d, strata, clusters = comp.differences[keep], comp.strata[keep], comp.clusters[keep]
    contribution = np.zeros(len(d))
    for s in dict.fromkeys(strata.tolist()):
        mask = strata == s
        contribution[mask] = scale * (d[mask] - d[mask].mean()) / mask.sum()
    labels, codes = np.unique(clusters.astype(str), return_inverse=True)
    G = len(labels)
    if G < 2:
        return 0.0, G
    totals = np.bincount(codes, weights=contribution, minlength=G)
    return float(G / (G - 1) * np.sum(totals ** 2)), G


def equivalence_p_value(estimate: CrossedEstimate, margin: float) -> float | None:
    """Two one-sided tests (TOST) of ``|gap| < margin``: the larger one-sided p-value.

    It rejects at alpha exactly when the ``1 - 2 alpha`` t interval
    (``estimate.t_interval(1 - 2 * alpha)``) lies inside ``±margin``.
    None when the margin is not positive or the variance is not estimable.
    """
    if margin <= 0 or estimate.se is None:
        return None
    gap, se = estimate.gap, estimate.se
    if se <= EXACT_TOL:
        return 0.0 if abs(gap) < margin else 1.0
    p_low = stats.t.sf((gap + margin) / se, estimate.df)   # H0: gap <= -margin
    p_high = stats.t.cdf((gap - margin) / se, estimate.df)  # H0: gap >= +margin
    return float(max(p_low, p_high))


def leave_one_out(components: Sequence[TemplateComponent | TextComponent]) -> list[LeftOut]:
    """The estimate with each template, each lexicon row and each swapped term left out in turn.

    A template is left out of every template component that has it (they
    share it); a row or a term only of its own component. Units whose removal
    would leave a component empty are not left out.

    Returns
    -------
    list of LeftOut
        Templates first (column order), then rows and terms by component.

    Examples
    --------
    >>> D = np.zeros((6, 4)); D[:, 2] = 1.0
    >>> out = leave_one_out([TemplateComponent(D, ("a", "b", "c", "d"))])
    >>> [(o.key, round(o.estimate.gap, 3)) for o in out if o.unit == "template"]
    [('a', 0.333), ('b', 0.333), ('c', 0.0), ('d', 0.333)]
    """
    components = list(components)
    out: list[LeftOut] = []
    tpl = [c for c in components if isinstance(c, TemplateComponent)]
    templates = list(dict.fromkeys(t for c in tpl for t in c.templates))
    if len(templates) > 1:
        for key in templates:
            reduced = []
            for c in components:
                if isinstance(c, TemplateComponent) and key in c.templates:
                    keep = [j for j, t in enumerate(c.templates) if t != key]
                    c = replace(c, matrix=np.asarray(c.matrix)[:, keep], templates=tuple(c.templates[j] for j in keep))
                reduced.append(c)
            if any(isinstance(c, TemplateComponent) and not np.isfinite(c.matrix).any() for c in reduced):
                continue  # it would leave a component without a cell
            out.append(LeftOut("template", None, str(key), crossed_estimate(reduced)))
    for k, comp in enumerate(components):
        name = comp.name or str(k)
        if isinstance(comp, TemplateComponent) and comp.n_rows > 1:
            ids = comp.row_ids
            for i in range(comp.n_rows):
                keep = [r for r in range(comp.n_rows) if r != i]
                reduced = list(components)
                reduced[k] = replace(comp, matrix=comp.matrix[keep], rows=tuple(ids[r] for r in keep))
                out.append(LeftOut("row", name, ids[i], crossed_estimate(reduced)))
        elif isinstance(comp, TextComponent) and comp.clusters is not None:
            terms = list(dict.fromkeys(comp.clusters.tolist()))
            if len(terms) < 2:
                continue
            for term in terms:
                reduced = list(components)
                reduced[k] = comp.without(comp.clusters == term)
                out.append(LeftOut("term", name, str(term), crossed_estimate(reduced)))
    return out


def crossed_bootstrap(designs: Sequence[Sequence[TemplateComponent | TextComponent]], *, n_boot: int = 2000,
                      seed=0) -> np.ndarray:
    """Pigeonhole bootstrap of one or more designs with shared draws.

    Rows of each family (of each of its blocks) are resampled with
    replacement, independently; the templates of each template set are
    resampled once per replicate and shared by every block crossed with that
    set (a template carries all of its slot-word columns);
    texts are resampled within their strata, or, when clustered, swapped
    terms are resampled with all their texts. Designs with the same shape
    (the same families, rows, templates and texts in the same order -- two
    runs' scores on one probe set) get the same draws, so their difference
    is a paired comparison.

    Parameters
    ----------
    designs : sequence of sequences of components
    n_boot : int, default 2000
    seed : int or sequence of int, default 0

    Returns
    -------
    ndarray of shape (n_designs, n_boot)
        The weighted estimate of each design in each replicate.
    """
    first = designs[0]
    for d in designs[1:]:
        if len(d) != len(first) or any(_shape(a) != _shape(b) for a, b in zip(d, first)):
            raise ValueError("designs bootstrapped together must have the same shape")
    rng = np.random.default_rng(seed)
    out = np.zeros((len(designs), n_boot))
    weights = _weights(first)
    expanded = [_template_blocks(design, weights) for design in designs]
    for key, blocks in expanded[0].items():
        T = len(key)
        t_counts = rng.multinomial(T, np.full(T, 1.0 / T), size=n_boot).astype(float)  # one draw per template set
        for b, block in enumerate(blocks):
            R = block.matrix.shape[0]
            r_counts = rng.multinomial(R, np.full(R, 1.0 / R), size=n_boot).astype(float)
            for i, design_blocks in enumerate(expanded):
                D = design_blocks[key][b].matrix
                out[i] += block.weight * np.einsum("br,rt,bt->b", r_counts, D, t_counts) / (R * T)
    for k, comp in enumerate(first):
        w = weights[k]
        if isinstance(comp, TemplateComponent):
            continue  # drawn above, by template set
        if comp.clusters is not None:
            for i, replicate in enumerate(_cluster_bootstrap([design[k] for design in designs], n_boot, rng)):
                out[i] += w * replicate
        else:
            masks = [comp.strata == s for s in dict.fromkeys(comp.strata.tolist()) if (comp.strata == s).sum() >= 2]
            if not masks:
                for i, design in enumerate(designs):
                    out[i] += w * float(np.mean(design[k].differences)) if len(design[k].differences) else 0.0
                continue
            v = 1.0 / len(masks)
            for mask in masks:
                n = int(mask.sum())
                values = [np.asarray(design[k].differences, dtype=float)[mask] for design in designs]
                if n <= _MAX_EXPLICIT_TEXTS:
                    step = max(1, _RESAMPLED_PER_CHUNK // n)  # bounded memory: `step` replicates at a time
                    for start in range(0, n_boot, step):
                        idx = rng.integers(0, n, size=(min(step, n_boot - start), n))
                        for i, x in enumerate(values):
                            out[i, start:start + len(idx)] += w * v * x[idx].mean(axis=1)
                else:  # the bootstrap mean's normal limit, drawn jointly for paired designs
                    X = np.stack(values, axis=1)
                    cov = np.atleast_2d(np.cov(X, rowvar=False, ddof=0)) / n
                    draws = rng.multivariate_normal(X.mean(axis=0), cov, size=n_boot, method="eigh")
                    for i in range(len(values)):
                        out[i] += w * v * draws[:, i]
    return out


def _cluster_bootstrap(comps: list[TextComponent], n_boot: int, rng) -> list[np.ndarray]:
    """Replicates of clustered text components of one shape: terms drawn with replacement, strata averaged."""
    keep = comps[0]._kept()
    strata = comps[0].strata[keep]
    labels, codes = np.unique(comps[0].clusters[keep].astype(str), return_inverse=True)
    stratum_codes = np.unique(strata, return_inverse=True)[1]
    S, G = int(stratum_codes.max()) + 1 if len(strata) else 0, len(labels)
    out = [np.zeros(n_boot) for _ in comps]
    if S == 0:
        return out
    values = [np.asarray(c.differences, dtype=float)[keep] for c in comps]
    indicator = np.zeros((len(strata), S))
    indicator[np.arange(len(strata)), stratum_codes] = 1.0
    step = max(1, _RESAMPLED_PER_CHUNK // max(len(strata), 1))
    for start in range(0, n_boot, step):
        size = min(step, n_boot - start)
        counts = rng.multinomial(G, np.full(G, 1.0 / G), size=size).astype(float)[:, codes]  # (size, texts)
        n_s = counts @ indicator
        for i, x in enumerate(values):
            with np.errstate(invalid="ignore", divide="ignore"):
                means = (counts * x) @ indicator / n_s
            out[i][start:start + size] = np.nanmean(means, axis=1)  # a stratum no drawn term reaches drops out
    return out


def _shape(comp) -> tuple:
    if isinstance(comp, TemplateComponent):
        return ("t", comp.matrix.shape, comp.templates, comp.weight, np.isnan(comp.matrix).tobytes())
    clusters = None if comp.clusters is None else tuple(comp.clusters.tolist())
    return ("x", len(comp.differences), tuple(comp.strata.tolist()), comp.weight, clusters)


def percentile_interval(replicates: np.ndarray, confidence_level: float) -> tuple[float, float]:
    """Percentile interval of bootstrap replicates."""
    tail = (1.0 - confidence_level) / 2.0
    low, high = np.quantile(np.asarray(replicates, dtype=float), [tail, 1.0 - tail])
    return float(low), float(high)
