"""The Pulumi program of the amlstack project (``main: infra/``), its typed stack config, the
offline plan (`infra.plan`), the security baseline as policy (`infra.policy`) and the ``amlstack``
command line (`infra.cli`, composed with the jobs commands in `infra.entrypoint`)."""

__all__: list[str] = []
