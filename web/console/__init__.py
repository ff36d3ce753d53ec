"""The console: the web face's pages for the board secretariat, board members, auditors and inspectors,
behind a session opened by an emailed sign-in link (`web.console.sign_in`), each request authorised afresh
(`web.console.viewer`)."""
