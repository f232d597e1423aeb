"""Local servers that speak the real protocols, for offline tests over TLS on 127.0.0.1.

- :mod:`tests.fakes.pki`: throw-away CA + server certificate (``make_pki``),
  RSA key pairs (``make_key_pair``).
- :mod:`tests.fakes.idp`: ``LocalIdP`` (Entra, Google and generic OAuth2).
- :mod:`tests.fakes.smtp`: ``LocalSMTP`` (aiosmtpd, AUTH XOAUTH2 only).
- :mod:`tests.fakes.graph`: ``LocalGraph`` (``/v1.0/applications``).
- :mod:`tests.fakes.clients`: ``tls_session``, MSAL ``http_client`` helper.
- :mod:`tests.fakes.fixtures`: pytest fixtures ``pki``, ``idp``,
  ``smtp_server``, ``graph``, ``tls_http`` (load with
  ``pytest_plugins = ["tests.fakes.fixtures"]`` in the root conftest).

Each module's docstring documents its interface, knobs and pitfalls.
"""
