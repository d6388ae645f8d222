from proofs_check.commands.cli import main

raise SystemExit(main())
