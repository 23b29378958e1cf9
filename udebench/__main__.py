from udebench.cli import main

main()
