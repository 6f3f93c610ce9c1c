"""Credentials: secrets encrypted at rest (``crypto``, ``fields``), the Standard Webhooks
signature (``signing``), and masking and redaction wherever a credential is shown
(``masking``). Below the models: it imports none."""
