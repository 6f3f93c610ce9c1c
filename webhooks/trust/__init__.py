"""Credentials and who may see them: secrets encrypted at rest (``crypto``, ``fields``),
the Standard Webhooks signature (``signing``), masking and redaction (``masking``),
recorded reveals (``revealing``) and what a user may read (``visibility``)."""
