"""Prometheus metrics (SPEC §9, docs/operations.md).

``instruments``: the counters and histogram every process updates. ``backlog``: gauges
read from the database when scraped. ``directories``: prometheus-client's multiprocess
files, one directory per qcluster or gunicorn (no Django here: settings import it).
``exposition``: who may scrape and what a scrape returns, for ``/metrics``
(``middleware``) and a qcluster's own port (``worker_port``).
"""
