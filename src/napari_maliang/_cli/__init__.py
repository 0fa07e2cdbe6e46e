"""Sub-command modules of the ``maliang`` console script.

Each module here defines ``register(subparsers)``, which adds its sub-commands with
``parser.set_defaults(func=callable)``; ``callable(args) -> int`` is the exit status.
Modules import only argparse-level things at import time; heavy work is imported in
the callables so ``maliang --help`` stays fast.
"""
