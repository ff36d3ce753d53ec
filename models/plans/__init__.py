"""Changing a plan: the plan as plain data (`spec`), importing it, owners' updates, meetings, finding things
by what users type, and the rules every door (workbook, command line, web form) applies to what comes in."""
