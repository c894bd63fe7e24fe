"""Submit Azure ML jobs and manage models against a provisioned amlstack stack."""

__all__: list[str] = []
