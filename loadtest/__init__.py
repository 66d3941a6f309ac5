"""`make loadtest`: cbcoord under gunicorn on a throwaway database, driven by locust.

``python -m loadtest --help`` for the options; README.md, "Load test", for what it prints.
"""
