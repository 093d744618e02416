"""``python -m agentlab``: the command line."""

from agentlab.cli import main

raise SystemExit(main())
