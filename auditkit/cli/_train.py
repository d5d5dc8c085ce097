"""``auditkit train``: fine-tune a backbone into a classifier."""

from __future__ import annotations

from auditkit.cli._common import add_data_options, add_output_options, label_columns, say, show
from auditkit.data import load_dataset
from auditkit.training import AUGMENTATIONS, ScratchSize, TrainingConfig, fine_tune


def add_parser(sub):
    p = sub.add_parser(
        "train",
        help="fine-tune a pretrained transformer into a text classifier",
        description="Fine-tune a backbone (default: the embedded all-MiniLM-L6-v2) on a labelled dataset "
        "and save a standard Hugging Face model directory plus training.json.",
    )
    add_data_options(p)
    add_output_options(p, writes="model directory", replaces="a model directory written earlier by auditkit train")
    d = TrainingConfig  # every default below is the config dataclass's own
    p.add_argument("--base", default=d.base, help="backbone: 'minilm' (embedded), a local directory, a Hub id "
                                                  "(e.g. bert-base-chinese), or 'scratch': a WordPiece tokenizer and a "
                                                  "small BERT trained from random weights on the data, offline and not "
                                                  "pretrained — for a language no shipped model reads (default %(default)s)")
    p.add_argument("--epochs", type=float, default=d.epochs, help="passes over the training data (default %(default)s)")
    p.add_argument("--learning-rate", type=float, default=d.learning_rate,
                   help="peak AdamW learning rate, after a linear warm-up (default %(default)s)")
    p.add_argument("--batch-size", type=int, default=d.batch_size, help="training batch size (default %(default)s)")
    p.add_argument("--max-length", type=int, default=d.max_length, help="truncate texts to N tokens (default %(default)s)")
    p.add_argument("--val-fraction", type=float, default=d.val_fraction,
                   help="share of the data held out for validation (default %(default)s)")
    p.add_argument("--seed", type=int, default=d.seed,
                   help="seed of the validation split, the new head and the data order (default %(default)s)")
    p.add_argument("--label-names", default=None,
                   help="comma-separated class names in id order, e.g. negative,positive (default: the labels in the data)")
    p.add_argument("--multi-label", action="store_true",
                   help="train a multi-label classifier (a sigmoid per label, binary cross-entropy): labels from one 0/1 "
                        "--label-col per label (repeat it) or one column of label lists ('toxic|insult', empty for none)")
    p.add_argument("--augment", choices=AUGMENTATIONS, default=d.augment,
                   help="counterfactual: add gender- and name-swapped copies of training texts that mention identity "
                        "(Chinese texts: with the Chinese gender lexicon)")
    size = ScratchSize()
    p.add_argument("--vocab-size", type=int, default=None,
                   help=f"--base scratch: WordPiece vocabulary size (default {size.vocab_size})")
    p.add_argument("--hidden-size", type=int, default=None,
                   help=f"--base scratch: hidden size of the BERT (default {size.hidden_size})")
    p.add_argument("--num-layers", type=int, default=None,
                   help=f"--base scratch: transformer layers (default {size.num_layers})")
    p.add_argument("--num-heads", type=int, default=None,
                   help=f"--base scratch: attention heads, a divisor of the hidden size (default {size.num_heads})")
    p.add_argument("--trust-remote-code", action="store_true", help="allow model code from the Hub to run (off by default)")
    p.add_argument("--device", default=None, help="cpu, cuda, cuda:N (default: CUDA when present)")
    return p


def run(args) -> int:
    config = TrainingConfig(
        base=args.base,
        epochs=args.epochs,
        learning_rate=args.learning_rate,
        batch_size=args.batch_size,
        max_length=args.max_length,
        val_fraction=args.val_fraction,
        seed=args.seed,
        augment=args.augment,
        label_names=[s for s in args.label_names.split(",")] if args.label_names else None,
        multi_label=args.multi_label,
        vocab_size=args.vocab_size,
        hidden_size=args.hidden_size,
        num_layers=args.num_layers,
        num_heads=args.num_heads,
    )
    config.validate()
    label_col = label_columns(args)
    if args.multi_label and config.label_names is None and not isinstance(label_col, str):
        config.label_names = list(label_col)  # 0/1 columns: the labels in column order
    dataset = load_dataset(args.data, text_col=args.text_col, label_col=label_col, group_cols=args.group_cols, limit=args.limit,
                           multi_label=args.multi_label)
    record = fine_tune(dataset, args.out, config=config, trust_remote_code=args.trust_remote_code,
                       device=args.device, overwrite=args.overwrite, log=say)
    val = record.get("validation") or {}
    summary = f"saved {args.out} (labels: {', '.join(record['labels'])}; {record['train_seconds']:.0f} s"
    if val:
        summary += f"; validation {'subset ' if record['multi_label'] else ''}accuracy {val['accuracy']:.3f}, macro-F1 {val['macro_f1']:.3f} on {val['n']}"
    if not record.get("pretrained", True):
        summary += "; trained from scratch, not pretrained"
    show(summary + ")")
    return 0
