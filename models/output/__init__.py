"""What leaves the product: files written whole (`files`) and text with its secrets redacted (`secrets`)."""
