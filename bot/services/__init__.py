"""Services: the rules of Linli, on plain values and a session."""
