"""Who may see what (SPEC §10): what a user or an API key may read of the webhooks' data
(``visibility``), and reading a signing secret again, recorded (``revealing``). The
admin and the API ask here, so the two cannot disagree."""
