"""Fine-tune a pretrained transformer into a text classifier."""

from auditkit.training._finetune import AUGMENTATIONS, TrainingConfig, fine_tune
from auditkit.training._scratch import SCRATCH_BASE, ScratchSize

__all__ = ["AUGMENTATIONS", "TrainingConfig", "fine_tune", "SCRATCH_BASE", "ScratchSize"]
