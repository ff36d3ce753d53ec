"""The daily sweep: what it looks at (`snapshot`), what it decides and why (`rules`, pure, with their
words), and how it records that (`run`, `failures`). A new escalation rule goes here."""
