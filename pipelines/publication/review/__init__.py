"""Tools to review a built publication from its files: the PDF layout check, a headless-browser probe of the
HTML, and the images in docs/publication/ (``python -m pipelines.publication.review.images``)."""
