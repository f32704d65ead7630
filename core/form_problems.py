"""A form's validation errors in the shape a refusal is shown in (``core.refusals``), for
templates that show one ``error.message`` and mark ``error.field`` whether a form or a verb
refused."""
from core.errors import DomainError


def form_refusal(form):
    """A ``DomainError`` with the form's first message and its field, ``extra["problems"]``
    mapping every field to its first message; None when the form has no errors."""
    problems = {name: str(messages[0]) for name, messages in form.errors.items() if messages}
    if not problems:
        return None
    field, message = next(iter(problems.items()))
    return DomainError(message, field=field, extra={"problems": problems})
