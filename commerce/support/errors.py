from core.errors import DomainError


class InvalidSupportRequest(DomainError):
    """A message, conversation or setting cannot be taken as given; ``field`` names what to fix."""
