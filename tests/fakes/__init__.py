"""Local servers that speak the real protocols, for offline tests over TLS on 127.0.0.1.

- :mod:`tests.fakes.pki`: throw-away CA + server certificate (``make_pki``),
  RSA key pairs (``make_key_pair``).
- :mod:`tests.fakes.idp`: ``LocalIdP`` (Entra, Google and generic OAuth2),
  including the Entra device code flow (``approve_device_code``,
  ``decline_device_code``, ``expire_device_code``,
  ``auto_approve_device_codes``, ``wait_for_device_code``; public clients
  with ``add_client(allow_public_client=True)``, AADSTS7000218/700025),
  several secrets per client (``add_client_secret(active_after=...)``,
  ``remove_client_secret``, ``client_secrets``) and hostile answers
  (``redirect_token_requests``, ``fail_next(description_size=N)``,
  ``crlf_access_token_next``).
- :mod:`tests.fakes.smtp`: ``LocalSMTP`` (aiosmtpd, AUTH XOAUTH2 only).
- :mod:`tests.fakes.graph`: ``LocalGraph`` (``/v1.0/applications``: GET,
  PATCH, ``addPassword``, ``removePassword``; ownership with ``owners=``;
  knobs ``incomplete_get_next``, ``echo_authorization_next``,
  ``secret_propagation_delay``; ``calls`` records every request).
- :mod:`tests.fakes.proxy`: ``LocalProxy`` (HTTP CONNECT proxy: records
  targets and ``Proxy-Authorization``; ``refuse``, ``require_auth``,
  ``hang_next``; loopback targets only).
- :mod:`tests.fakes.sink`: ``RecordingSink`` (HTTPS or plain HTTP server that
  records every request unmasked: "another origin" for redirect tests).
- :mod:`tests.fakes.clients`: ``tls_session``, MSAL ``http_client`` helper.
- :mod:`tests.fakes.fixtures`: pytest fixtures ``pki``, ``idp``,
  ``smtp_server``, ``graph``, ``tls_http``, ``proxy``, ``sink``,
  ``http_sink`` (load with ``pytest_plugins = ["tests.fakes.fixtures"]`` in
  the root conftest).
- :mod:`tests.fakes._http`: the shared HTTPS server base (request log, fault
  knobs ``fail_next``/``hang_next``, ``oversized_text``, ``mask_secrets``).

Self-tests: ``tests/fakes/test_*.py`` (``_selftest.py`` holds their shared
constants and MSAL app builders; ``conftest.py`` fails a test whose servers
recorded handler errors).

Each module's docstring documents its interface, knobs and pitfalls.
"""
