#!/usr/bin/env python3
"""Django's command-line utility; `civicgrid` wraps the same entry point."""

from civicgrid.cli import main

if __name__ == "__main__":
    main(prog="manage.py")
