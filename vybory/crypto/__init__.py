"""vybory.crypto: the cryptographic core on ristretto255 (normative text: docs/spec.md §1–§7).

Modules: ``group`` (Scalar, Point), ``transcript`` (Fiat–Shamir), ``elgamal``,
``proofs``, ``threshold`` (DKG and threshold decryption), ``tags`` (domain tags),
``rng`` (random sources), ``_sodium`` (the libsodium binding, hazardous layer).
Pure: no I/O; randomness comes in as ``rng``.
"""
