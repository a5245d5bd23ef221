"""Platform adapters: each translates its platform to and from the ``bot`` core."""
