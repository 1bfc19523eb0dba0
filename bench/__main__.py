"""`python -m bench --help`; `make bench` runs it with the make variables."""

import sys

from bench.run import main

sys.exit(main())
