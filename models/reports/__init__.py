"""Read models shared by the command line, the packs and the web pages: the register, an item's whole
story, the escalation ladder, the packs built and what a pack is built from. A new page's query goes here."""
