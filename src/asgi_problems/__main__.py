"""``python -m asgi_problems check MODULE:APP``: see asgi_problems.check."""

import sys

from .check import main

if __name__ == "__main__":
    sys.exit(main())
