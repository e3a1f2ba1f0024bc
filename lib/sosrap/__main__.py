from sosrap.cli.app import main

main()
