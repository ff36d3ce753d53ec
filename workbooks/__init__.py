"""Plan workbooks: the template, the validated import and the export, in Excel or CSV."""
