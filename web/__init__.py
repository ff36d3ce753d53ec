"""The web face: the pages owners reach from their messages' signed links (`lineofsight web`)."""
