"""tei-pipeline: scanned declassified documents to schema-valid TEI P5 XML."""

__version__ = "0.1.0"
