"""Ed25519 signatures (RFC 8032) with ``cryptography``; keys and signatures travel as unpadded base64url."""

from __future__ import annotations

import base64
import binascii
import hashlib

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

_RAW = serialization.Encoding.Raw
_PRIVATE_RAW = serialization.PrivateFormat.Raw
_PUBLIC_RAW = serialization.PublicFormat.Raw


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Ed25519Scheme:
    """The :class:`~cuakhau.services.exchange.SignatureScheme` of the protocol."""

    def new_keypair(self) -> tuple[str, str]:
        private = Ed25519PrivateKey.generate()
        return (
            b64(private.private_bytes(_RAW, _PRIVATE_RAW, serialization.NoEncryption())),
            b64(private.public_key().public_bytes(_RAW, _PUBLIC_RAW)),
        )

    def key_id(self, public_key: str) -> str:
        """The first 16 hex digits of the SHA-256 of the raw public key (stable, short, checkable)."""
        return "ed25519:" + hashlib.sha256(unb64(public_key)).hexdigest()[:16]

    def sign(self, private_key: str, data: bytes) -> str:
        return b64(Ed25519PrivateKey.from_private_bytes(unb64(private_key)).sign(data))

    def verify(self, public_key: str, data: bytes, signature: str) -> bool:
        try:
            key = Ed25519PublicKey.from_public_bytes(unb64(public_key))
            key.verify(unb64(signature), data)
        except (InvalidSignature, ValueError, binascii.Error):
            return False
        return True

    def public_key_valid(self, public_key: str) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(unb64(public_key))
        except (ValueError, binascii.Error):
            return False
        return True
