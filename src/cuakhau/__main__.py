from cuakhau.cli import main

main()
