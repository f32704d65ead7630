"""`make bench`: load-test the storefront and API with wrk over loopback (see bench/README.md)."""
