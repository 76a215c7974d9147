"""What every app's forms share."""

from django import forms
from django.core.exceptions import ValidationError


def add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """A service's ``ValidationError`` shown by the form: each message on its field where the form has
    one, the rest at the top; a message the form already shows on that field is not repeated."""
    errors = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
    for field, found in errors.items():
        field = field if field in form.fields else None
        for message in found:
            if field is None or field not in form.errors or message not in form.errors[field]:
                form.add_error(field, message)
