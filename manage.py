#!/usr/bin/env python
"""Django's manage.py; the installed `cbcoord` command does the same."""

from cbcoord.cli import main

if __name__ == "__main__":
    main()
