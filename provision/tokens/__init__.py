"""Tokens and SMTP: acquire OAuth2 access tokens per identity with the official libraries
(MSAL, google-auth, authlib), keep refresh tokens in a private store, authorize
interactively, and prove them against SMTP with XOAUTH2.

Only `request` is safe to import from fast paths (`provision validate`): the other modules
load the network libraries when their functions run."""
