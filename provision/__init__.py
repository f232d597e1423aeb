"""provision: declarative OAuth2 e-mail provisioning for innovaphone PBX and apps."""

__version__ = "0.2.0"
