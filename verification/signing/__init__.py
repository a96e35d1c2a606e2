"""Keys, PDF signing and signature inspection for verification statements.

Pure library code: no Flask and no database. ``keys`` makes a CA and signing
certificates, ``pdf_sign`` applies a PAdES signature, ``inspect`` checks one.
"""
