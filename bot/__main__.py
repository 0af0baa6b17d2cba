import sys

from bot.main import main

sys.exit(main(["run", *sys.argv[1:]]))
