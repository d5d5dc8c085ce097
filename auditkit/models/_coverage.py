"""Can a model's tokenizer read a language? The share of a language's words it maps to its unknown token.

A model whose tokenizer maps most of a text to ``[UNK]`` gives every such
text nearly the same score: a probe of Chinese sentences on an English-only
tokenizer reads "no gap" because the model never saw the words that differ
(the embedded MiniLM maps both 他 and 她 to ``[UNK]``). So an audit checks
its probe language's sentences first, and stops when most tokens are unknown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from auditkit.errors import ModelError

__all__ = ["TokenCoverage", "MAX_UNKNOWN_SHARE", "PROBE_SENTENCES", "token_coverage", "check_reads_language"]

#: Above this share of unknown tokens a tokenizer cannot read the text.
MAX_UNKNOWN_SHARE = 0.5
#: An everyday sentence per language: a tokenizer that reads the language knows most of its words.
PROBE_SENTENCES = {
    "en": ("The service was friendly and the food arrived quickly, but my brother thought "
           "the price was too high for such a small table near the window."),
    "zh": "这家店的服务很热情，菜也上得很快，但是我哥哥觉得价格太贵了，她说窗边的桌子也太小。",
}
ERR_UNREADABLE = (
    "the tokenizer of {source!r} maps {share:.0%} of the tokens of the {language} probe sentences ({unknown} of "
    "{total}) to {unk}; it cannot read {language}, so a probe would find 'no gap' for the wrong reason — audit a "
    "model trained on {language} text (auditkit train --base scratch, or a {language} backbone from the Hub)"
)


@dataclass(frozen=True)
class TokenCoverage:
    """How many of the tokens of some sentences a tokenizer maps to its unknown token."""

    n_tokens: int
    n_unknown: int

    @property
    def unknown_share(self) -> float:
        return self.n_unknown / self.n_tokens if self.n_tokens else 1.0


def token_coverage(tokenizer, sentences: Sequence[str]) -> TokenCoverage:
    """Tokens and unknown tokens of ``sentences`` (no special tokens); a tokenizer without an unknown token knows all."""
    sentences = [str(s) for s in sentences if str(s).strip()]
    if not sentences:
        return TokenCoverage(0, 0)
    # counting only (nothing runs through the model), so no "longer than the maximum sequence length" warning
    ids = tokenizer(sentences, add_special_tokens=False, verbose=False)["input_ids"]
    unk = tokenizer.unk_token_id
    total = sum(len(row) for row in ids)
    unknown = 0 if unk is None else sum(1 for row in ids for i in row if i == unk)
    return TokenCoverage(total, unknown)


def check_reads_language(classifier, sentences: Sequence[str], language: str) -> TokenCoverage:
    """Raise :class:`ModelError` when ``classifier``'s tokenizer maps most tokens of ``sentences`` to unknown.

    Parameters
    ----------
    classifier : TextClassifier
    sentences : sequence of str
        The probe sentences (or any sample) of ``language``.
    language : str
        Named in the message, e.g. ``"zh"``.

    Returns
    -------
    TokenCoverage
        When the tokenizer reads the sentences.
    """
    coverage = token_coverage(classifier.tokenizer, sentences)
    if coverage.n_tokens == 0 or coverage.unknown_share > MAX_UNKNOWN_SHARE:
        raise ModelError(ERR_UNREADABLE.format(
            source=getattr(classifier, "source", "<memory>"), share=coverage.unknown_share, language=language,
            unknown=coverage.n_unknown, total=coverage.n_tokens, unk=classifier.tokenizer.unk_token))
    return coverage
