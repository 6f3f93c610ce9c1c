"""The delivery log's tools, shared by the admin, the API and the commands: which
deliveries a filter selects (``selection``), sending them again (``replay``), what is
waiting (``backlog``) and forgetting old rows (``pruning``)."""
