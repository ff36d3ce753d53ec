"""The audit ledger: the hash chain every change and decision is recorded through (`chain`), its
verification, and reading it back for people (`trail`)."""
