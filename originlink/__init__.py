"""OriginLink core: the e-CO document model, RCEP origin rules, formats, signing and links.

Pure Python: nothing here imports Odoo, Chalice or AWS SDKs at module level.
"""

__version__ = "0.1.0"
