"""Idempotency keys on every ``POST`` of the API (SPEC §8, Stripe's semantics): the same
``Idempotency-Key`` with the same body within 24 hours answers what the first request
answered without doing anything again; with another body it is a 422; while the first is
still running, a 409. Keys belong to the API key that sent them (a keyless public
submission's, to its client address), live in the database so every process sees them,
and are pruned (``manage.py prune_idempotency_keys``)."""
