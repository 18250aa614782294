from rebalancer_tui.cli import main

raise SystemExit(main())
