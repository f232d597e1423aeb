"""An app's e-mail settings as its UI shows them: the SMTP form in the app's order with
its labels (the catalog's), then the OAuth2 form of its mode. Setup sheets list values
under these labels; app configs name the key of each."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from ..catalog import AppUi, oauth2_labels
from ..model import App
from ..providers import mode_spec

# the catalog's name of an SMTP-form value -> the app config's key
SMTP_KEYS = {"server": "smtp_server", "oauth2": "mode_label"}
# an OAuth2-form value -> the app config's key (the form takes the base URL)
FORM_KEYS = {"authorization_url": "authorization_endpoint"}


@dataclass(frozen=True)
class Field:
    label: str  # the app's UI's
    key: str  # the app config's
    oauth2: bool = False  # on the OAuth2 form (else the app's SMTP form)


def app_fields(app: App, ui: AppUi, keys: Collection[str]) -> list[Field]:
    """The fields the app's UI shows for its mode, in its order, of those the app's
    configuration has (`keys`)."""
    spec = mode_spec(app.identity.mode)
    labels = oauth2_labels()
    fields = []
    for name, label in ui.fields.items():
        key = SMTP_KEYS.get(name, name)
        if key in keys:
            fields.append(Field(label, key))
        if name == "oauth2":
            for form_key in spec.form:
                key = FORM_KEYS.get(form_key, form_key)
                if key in keys:
                    fields.append(Field(labels[form_key], key, oauth2=True))
    return fields
