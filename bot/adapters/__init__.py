"""Platform adapters: the only code that knows a platform."""
