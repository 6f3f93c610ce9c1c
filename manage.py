#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings")
    from django.conf import settings
    from django.core.management import execute_from_command_line

    from webhooks.metrics import directories

    # A qcluster's worker processes count into files its metrics port sums. prometheus-client
    # reads where when it is first imported, during Django's setup: so here, before it, and
    # in this process only (the settings are configuration and do nothing when imported).
    group = directories.group_of(sys.argv)
    if group is not None:
        directories.prepare(settings.METRICS_DIR, group)
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
