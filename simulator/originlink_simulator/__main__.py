"""`python -m originlink_simulator run …` (the same as `originlink simulator run …`)."""

import argparse
import sys

from .command import register

parser = argparse.ArgumentParser(prog="originlink-simulator")
register(parser.add_subparsers(dest="command", required=True))
args = parser.parse_args(["simulator", *sys.argv[1:]])
sys.exit(args.func(args))
