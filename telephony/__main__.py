import sys

from telephony.cli import main

sys.exit(main())
