"""What a board pack is built from, read as it stood at the pack's moment: the moment and the ledger cut
(`moment`), the plain values (`facts`), today's rows rolled back (`history`) and the SQL reads (`loading`)."""
