"""The hukou app's pages: ``guide`` (the public service guide), ``cases`` (the officers' case pages)
and ``documents`` (notices and other case documents, printable and as PDF)."""
