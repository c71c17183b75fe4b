"""The leaf of the package: what every stage shares and nothing else.

* :mod:`helpers.core.fy`: financial years ('2024/25', April to March), one implementation.
* :mod:`helpers.core.files`: file hashes, JSON, merging mappings, building a folder beside its
  final place and swapping it in whole.
* :mod:`helpers.core.names`: the one rule for casing names given in capitals (ODS, NHS England's
  extracts): NHS and acronyms, joining words, King's, Stoke-on-Trent, Welsh and Gaelic names.
* :mod:`helpers.core.paths`: every path convention of the project (the project root, a run's
  folders).
* :mod:`helpers.core.tables`: writing and reading tables so that the same frame gives the same
  bytes.
* :mod:`helpers.core.vocab`: the organisation types (providers and commissioners).

Nothing here imports another ``helpers`` module (the import-linter contract in
``.importlinter`` enforces it).
"""
