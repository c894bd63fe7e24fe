"""The Pulumi program of the amlstack project (``main: infra/``), its typed stack config, the
offline plan (`infra.plan`), the security baseline as policy (`infra.policy`) and the ``amlstack``
command line (`infra.cli`)."""

__all__: list[str] = []
