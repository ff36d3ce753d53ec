"""The daily sweep: what it looks at (`snapshot`), what it decides and why (`rules`: `ladder`, `chase`,
`alerts`, on `facts` and `decision`, with their `words`), and how it records that (`run`, `failures`).
A new escalation rule goes in `ladder.py` (or a module beside it, called from `rules.decide`), its label and
appendix wording in `words.py`."""
