"""vybory: contested, secret, verifiable elections.

The core (crypto, rules, model, protocol, verify) is pure and does no I/O;
the shell (store, service, api, web, cli, scale) uses it.
"""

__version__ = "0.1.0"
