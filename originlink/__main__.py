import sys

from originlink.cli import main

sys.exit(main())
