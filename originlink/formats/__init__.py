"""Serialisations of the certificate: canonical JSON (RFC 8785) and UBL 2.1 XML."""
