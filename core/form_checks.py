"""A form that did not validate, as a refusal: pages that show one message at the top (the
order page, the shipping template form) run the form check inside the same ``Attempt`` as
the verb, so a typo and a business rule reach the person the same way.

    with Attempt(form, flash=False) as attempt:
        check_form(form)
        refund_order(order, amount=form.amount.data, ...)
"""
from core.errors import DomainError


class InvalidInput(DomainError):
    """What was typed cannot be read; ``field`` names the first input at fault."""

    status = 422


def check_form(form):
    """Validate ``form`` (CSRF included).

    :raise InvalidInput: with the first field's first message, in the form's field order
    """
    if form.validate():
        return
    for name, field in form._fields.items():
        if field.errors:
            message = field.errors[0]
            if isinstance(message, dict | list):  # a FieldList/FormField: its first inner message
                message = _first_message(message)
            raise InvalidInput(message, field=name)


def _first_message(errors):
    if isinstance(errors, dict):
        return next((_first_message(value) for value in errors.values() if value), "")
    if isinstance(errors, list) and errors:
        return _first_message(errors[0])
    return errors
