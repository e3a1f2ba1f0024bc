from sosrap.cli import main

main()
