"""The libsodium binding: a missing or old library gives a clear message naming the package."""

from __future__ import annotations

import ctypes
import ctypes.util

import pytest

from vybory.crypto import _sodium


def test_a_missing_library_names_the_packages(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(name: str) -> None:
        raise OSError(f"{name}: cannot open shared object file")

    monkeypatch.setattr(ctypes.util, "find_library", lambda name: None)
    monkeypatch.setattr(ctypes, "CDLL", refuse)
    with pytest.raises(_sodium.LibsodiumMissing) as caught:
        _sodium._load()
    assert "libsodium23" in str(caught.value) and "brew install libsodium" in str(caught.value)


def test_an_old_library_without_ristretto255_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    class Old:
        pass

    monkeypatch.setattr(ctypes, "CDLL", lambda name: Old())
    with pytest.raises(_sodium.LibsodiumMissing, match="too old"):
        _sodium._load()


def test_the_loaded_library_has_ristretto255() -> None:
    major, minor, patch = (int(x) for x in _sodium.VERSION.split("."))
    assert (major, minor, patch) >= (1, 0, 18)


def test_aead_round_trip_and_forgery() -> None:
    key, nonce = bytes(range(32)), bytes(24)
    box = _sodium.aead_encrypt(b"share", b"ad", nonce, key)
    assert len(box) == 5 + 16
    assert _sodium.aead_decrypt(box, b"ad", nonce, key) == b"share"
    assert _sodium.aead_decrypt(box, b"other", nonce, key) is None
    assert _sodium.aead_decrypt(bytes([box[0] ^ 1]) + box[1:], b"ad", nonce, key) is None
    assert _sodium.aead_decrypt(box[:10], b"ad", nonce, key) is None
    with pytest.raises(ValueError):
        _sodium.aead_encrypt(b"x", b"", bytes(12), key)
