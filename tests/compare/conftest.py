import sys
from pathlib import Path

# the synthetic-run builders live beside the report tests
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "report"))
