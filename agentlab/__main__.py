"""``python -m agentlab``: the command line."""

from agentlab.commands.cli import main

raise SystemExit(main())
