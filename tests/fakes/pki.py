"""Throw-away PKI for the local test servers (TLS on 127.0.0.1).

API
---
``make_pki(directory: Path) -> PKI``
    Writes ``ca.pem`` (the CA certificate), ``server.pem`` (server certificate
    for ``127.0.0.1`` and ``localhost``, SAN IP + DNS, followed by the CA
    certificate) and ``server.key`` (its unencrypted PKCS#8 key) into
    *directory* and returns a :class:`PKI`.

``PKI`` (frozen dataclass)
    ``ca_file``, ``cert_file``, ``key_file``: paths.
    ``server_context()``: a fresh server ``ssl.SSLContext`` (TLS >= 1.2) with
    the certificate loaded, for ``http.server``/aiosmtpd.
    ``client_context()``: a client ``ssl.SSLContext`` that trusts only the CA
    (for ``smtplib``: ``starttls(context=...)`` / ``SMTP_SSL(context=...)``).

``make_key_pair(label: str = "default") -> KeyPair``
    An RSA 2048 key pair for client assertions (``private_key_jwt``), service
    accounts and the like: ``private_pem`` (PKCS#8, str), ``public_pem``
    (SubjectPublicKeyInfo, str), ``key`` (the cryptography object).
    The same label returns the same pair within a process.

Keys and certificates are generated once per process and cached (RSA 2048
generation costs 50-200 ms), so every fixture after the first only writes
three small files.
"""

from __future__ import annotations

import datetime as _dt
import functools
import ipaddress
import ssl
import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = ["PKI", "KeyPair", "make_key_pair", "make_pki"]

_lock = threading.RLock()


@dataclass(frozen=True)
class KeyPair:
    """An RSA key pair, PEM encoded (``private_pem`` is PKCS#8, unencrypted)."""

    key: rsa.RSAPrivateKey
    private_pem: str
    public_pem: str


@functools.cache
def _key_pair_cached(label: str) -> KeyPair:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")
    public_pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )
    return KeyPair(key=key, private_pem=private_pem, public_pem=public_pem)


def make_key_pair(label: str = "default") -> KeyPair:
    """Return the process-wide RSA 2048 key pair called *label* (generated once)."""
    with _lock:
        return _key_pair_cached(label)


@dataclass(frozen=True)
class _Material:
    ca_pem: bytes
    cert_chain_pem: bytes
    key_pem: bytes


@functools.lru_cache(maxsize=1)
def _material() -> _Material:
    now = _dt.datetime.now(_dt.UTC)
    not_before = now - _dt.timedelta(days=1)
    not_after = now + _dt.timedelta(days=30)

    ca_key = make_key_pair("pki-ca").key
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "provision test CA")])
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(ca_ski, critical=False)
        .sign(ca_key, hashes.SHA256())
    )

    server_key = make_key_pair("pki-server").key
    server_cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(server_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=True,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                    x509.DNSName("localhost"),
                ]
            ),
            critical=False,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(server_key.public_key()), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    ca_pem = ca_cert.public_bytes(serialization.Encoding.PEM)
    return _Material(
        ca_pem=ca_pem,
        cert_chain_pem=server_cert.public_bytes(serialization.Encoding.PEM) + ca_pem,
        key_pem=make_key_pair("pki-server").private_pem.encode("ascii"),
    )


@dataclass(frozen=True)
class PKI:
    """Paths of a throw-away CA and a server certificate for 127.0.0.1/localhost."""

    ca_file: Path
    cert_file: Path
    key_file: Path

    def server_context(self) -> ssl.SSLContext:
        """A new server-side context with the server certificate (no client certs)."""
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_cert_chain(str(self.cert_file), str(self.key_file))
        return ctx

    def client_context(self) -> ssl.SSLContext:
        """A new client-side context that trusts the throw-away CA only."""
        return ssl.create_default_context(cafile=str(self.ca_file))


def make_pki(directory: Path) -> PKI:
    """Write the CA and the server certificate and key into *directory*."""
    with _lock:
        material = _material()
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    ca_file = directory / "ca.pem"
    cert_file = directory / "server.pem"
    key_file = directory / "server.key"
    ca_file.write_bytes(material.ca_pem)
    cert_file.write_bytes(material.cert_chain_pem)
    key_file.touch(mode=0o600)
    key_file.write_bytes(material.key_pem)
    return PKI(ca_file=ca_file, cert_file=cert_file, key_file=key_file)
