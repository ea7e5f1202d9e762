"""The intranet check page (``xltools serve``): a shell over the same verdict, annotated copy and combine."""
