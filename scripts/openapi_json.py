"""Print the OpenAPI document of a FastAPI app: python scripts/openapi_json.py module:app"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

if __name__ == "__main__":
    module_name, _, attribute = sys.argv[1].partition(":")
    app = getattr(importlib.import_module(module_name), attribute or "app")
    json.dump(app.openapi(), sys.stdout, indent=1)
