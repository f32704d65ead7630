"""A form that did not validate, as a refusal, so a typo and a business rule reach the
person the same way (``core.refusals``). Pages that show one message at the top (the order
page, the shipping template form) run the check inside the same ``Attempt`` as the verb:

    with Attempt(form, flash=False) as attempt:
        check_form(form)
        refund_order(order, amount=form.amount.data, ...)

Templates that show one ``error.message`` and mark ``error.field`` take ``form_refusal(form)``.
"""
from core.errors import DomainError


class InvalidInput(DomainError):
    """What was typed cannot be read; ``field`` names the first input at fault and
    ``extra["problems"]`` maps every field at fault to its first message."""

    status = 422


def form_refusal(form):
    """The refusal for ``form``'s validation errors (in the form's field order), or None
    when it has none. Call after ``validate()``."""
    problems = {name: str(_first_message(field.errors)) for name, field in form._fields.items() if field.errors}
    if not problems:
        return None
    field, message = next(iter(problems.items()))
    return InvalidInput(message, field=field, extra={"problems": problems})


def check_form(form):
    """Validate ``form`` (CSRF included).

    :raise InvalidInput: naming the first field at fault with its first message
    """
    if not form.validate():
        raise form_refusal(form)


def _first_message(errors):
    if isinstance(errors, dict):
        return next((_first_message(value) for value in errors.values() if value), "")
    if isinstance(errors, list | tuple) and errors:
        return _first_message(errors[0])
    return errors
