"""Fine-tune a pretrained transformer into a text classifier."""

from auditkit.training._finetune import AUGMENTATIONS, TrainingConfig, fine_tune

__all__ = ["AUGMENTATIONS", "TrainingConfig", "fine_tune"]
