"""What each event type is: the registry (``registry``: name, signal, description, chat
wording) and what receivers are promised (``catalogue``: the JSON Schema of each type's
data). Everything else reads these; they import no model."""
