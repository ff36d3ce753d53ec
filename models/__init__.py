"""The domain: SQL tables, the working-day calendar and the pure rules that read them."""
