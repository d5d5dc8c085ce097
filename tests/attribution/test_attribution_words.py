import numpy as np
import pytest

from auditkit.attribution import IntegratedGradients
from auditkit.attribution._words import merge_word_pieces, word_spans
from auditkit.attribution._words import is_punctuation

SENTENCE = "Unbelievably, my sister's cat didn't like it!!"
WORDS = ["Unbelievably", ",", "my", "sister's", "cat", "didn't", "like", "it", "!!"]


def _words(text):
    return [text[s:e] for s, e in word_spans(text)]


def test_word_spans_keep_contractions_and_split_punctuation():
    assert _words(SENTENCE) == WORDS
    assert _words("does n't work , moore 's film") == ["does", "n't", "work", ",", "moore", "'s", "film"]
    assert _words("  well-made ...  ") == ["well-made", "..."]
    assert _words("") == []


def test_is_punctuation():
    assert is_punctuation("!!") and is_punctuation(",")
    assert not is_punctuation("n't") and not is_punctuation("'s") and not is_punctuation("a1")


def _merge(tokenizer, text, token_scores=None):
    enc = tokenizer(text, return_offsets_mapping=True, return_special_tokens_mask=True)
    n = len(enc["input_ids"])
    scores = np.ones(n) if token_scores is None else token_scores(n)
    return merge_word_pieces(text, scores, enc["offset_mapping"], enc["special_tokens_mask"]), enc


def test_wordpiece_pieces_merge_back_into_words(tiny_classifier):
    clf = tiny_classifier
    (words, scores, spans), enc = _merge(clf.tokenizer, SENTENCE)
    assert words == WORDS
    # un ##bel ##ie ##va ##bly: five pieces, each scored 1, summed.
    assert scores[0] == 5
    # sister ' s and didn ' t: three pieces each.
    assert scores[3] == 3 and scores[5] == 3
    # Special tokens are left out: the word scores add up to the non-special tokens only.
    assert scores.sum() == len(enc["input_ids"]) - 2
    assert [SENTENCE[s:e] for s, e in spans] == words


def test_signed_scores_are_kept(tiny_classifier):
    clf = tiny_classifier
    (words, scores, _), _ = _merge(clf.tokenizer, "good bad", lambda n: np.array([9.0, 0.5, -0.75, 9.0]))
    assert words == ["good", "bad"]
    assert scores.tolist() == [0.5, -0.75]


def _bpe_tokenizer():
    from tokenizers import ByteLevelBPETokenizer
    from tokenizers.processors import RobertaProcessing
    from transformers import PreTrainedTokenizerFast

    corpus = ["my sister loved the film", "an unbelievably dull movie", "didn't like it!!", "the brother was great"] * 20
    bpe = ByteLevelBPETokenizer(add_prefix_space=True, trim_offsets=True)
    bpe.train_from_iterator(corpus, vocab_size=300, min_frequency=1, special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"], show_progress=False)
    bpe._tokenizer.post_processor = RobertaProcessing(
        ("</s>", bpe.token_to_id("</s>")), ("<s>", bpe.token_to_id("<s>")), trim_offsets=True, add_prefix_space=True
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=bpe._tokenizer, bos_token="<s>", eos_token="</s>", pad_token="<pad>", unk_token="<unk>",
        cls_token="<s>", sep_token="</s>", mask_token="<mask>",
    )


def test_byte_level_bpe_pieces_merge_back_into_words():
    tokenizer = _bpe_tokenizer()
    (words, scores, _), enc = _merge(tokenizer, SENTENCE)
    pieces = tokenizer.convert_ids_to_tokens(enc["input_ids"])
    assert "Ġ" in pieces  # bare word-boundary pieces with empty offsets exist...
    assert words == WORDS
    assert scores.sum() == len(enc["input_ids"]) - 2  # ...and are counted with the following word
    assert scores[0] >= 4  # "Unbelievably": 'Ġ', 'U', 'nbe', 'lie', 'vab', 'ly'


def test_integrated_gradients_on_a_bpe_model():
    import torch
    from transformers import RobertaConfig, RobertaForSequenceClassification

    from auditkit.models import TextClassifier

    torch.manual_seed(0)
    tokenizer = _bpe_tokenizer()
    config = RobertaConfig(
        vocab_size=len(tokenizer), hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32,
        max_position_embeddings=64, pad_token_id=tokenizer.pad_token_id, num_labels=2, type_vocab_size=1,
    )
    clf = TextClassifier(RobertaForSequenceClassification(config), tokenizer)
    [a] = IntegratedGradients(clf).attribute([SENTENCE])
    assert a.words == WORDS
    assert np.isfinite(a.convergence_delta) and a.n_steps >= 16


@pytest.mark.parametrize("text", ["", "   "])
def test_text_without_words(text, tiny_classifier):
    clf = tiny_classifier
    [a] = IntegratedGradients(clf).attribute([text])
    assert a.words == [] and len(a.scores) == 0
