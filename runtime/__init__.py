"""What every process of the service needs around the domains: the directories it
writes to, made when the process starts, and the health probe load balancers call."""
