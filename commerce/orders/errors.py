"""Refusals of the cart and order rules, each with a message a shopper can act on."""
from core.errors import DomainError


class CartProblem(DomainError):
    """A cart change cannot be made (unknown SKU, off the shelf, more than in stock)."""


class CheckoutProblem(DomainError):
    """The order cannot be placed as it is; ``extra["problems"]`` lists each line's reason."""

    status = 409


class SoldOut(CheckoutProblem):
    """Stock ran out between the cart and the order (another shopper was faster)."""


class OrderStateError(DomainError):
    """The order is not in a state that allows this (paying a cancelled order, …)."""

    status = 409
