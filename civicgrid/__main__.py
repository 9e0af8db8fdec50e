"""`python -m civicgrid ...` is the `civicgrid` command."""

from civicgrid.cli import main

main()
