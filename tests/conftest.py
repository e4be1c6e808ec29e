import sys
from pathlib import Path

import riskengine  # noqa: F401  (first, so it can pick numba's vector width)

sys.path.insert(0, str(Path(__file__).parent))
