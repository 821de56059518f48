from keqing.cli import main

raise SystemExit(main())
