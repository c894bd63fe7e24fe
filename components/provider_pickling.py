"""Creating a dynamic resource without leaving Python's pickler patched.

``pulumi.dynamic.Resource`` serializes its provider with dill after patching the pure-Python
pickler (``pickle._Pickler``) to sort dictionaries, for a deterministic result: its
``_batch_setitems`` becomes a wrapper around the one it finds, and neither that nor
``save_dict`` is put back (``serialize_provider`` in pulumi/dynamic/dynamic.py). Every dynamic
resource of a process adds one more wrapper: the n-th provider's dictionaries are sorted n
times (quadratic in the dynamic resources of a stack), and once the wrappers outnumber the
interpreter's recursion limit (about 1000 dynamic resources in one process: a large fleet, or a
test process planning many stacks) creating one fails with RecursionError
(pulumi/pulumi#17803, closed without a reproduction). `restored_pickler` puts both back after
each resource: one sorting wrapper at a time, the same serialized provider. amlstack's dynamic
resources derive from `DynamicResource`, which does so for every one of them.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from contextlib import contextmanager

import pulumi
from pulumi import dynamic

__all__ = ["DynamicResource"]

_PATCHED = ("_batch_setitems", "save_dict")
"""The methods of ``pickle._Pickler`` that Pulumi's provider serialization replaces."""


@contextmanager
def restored_pickler() -> Iterator[None]:
    """Put the pure-Python pickler's methods back as they were when the block is left."""
    pickler = pickle._Pickler  # the pure-Python pickler, which Pulumi patches
    saved = {name: pickler.__dict__[name] for name in _PATCHED}
    try:
        yield
    finally:
        for name, method in saved.items():
            setattr(pickler, name, method)


class DynamicResource(dynamic.Resource):
    """A ``pulumi.dynamic.Resource`` that leaves the pickler as it found it (`restored_pickler`):
    the base of every dynamic resource of amlstack."""

    def __init__(
        self,
        provider: dynamic.ResourceProvider,
        name: str,
        props: pulumi.Inputs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        with restored_pickler():
            super().__init__(provider, name, props, opts)
