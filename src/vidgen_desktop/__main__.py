from vidgen_desktop.cli import main

raise SystemExit(main())
