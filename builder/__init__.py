"""The merchant control plane: sign-up, the console at /console and its screens."""
