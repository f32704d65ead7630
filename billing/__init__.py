"""Plans, subscriptions, invoices and the platform console."""
