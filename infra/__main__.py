"""Pulumi entry point (``main: infra/``): ``pulumi up`` and ``amlstack plan`` both run this.

The validated config stays in the module global ``stack_config``: the offline plan checks the
baseline's policies against it. Resources named in ``amlstack:allowReplace`` are re-created when
Azure cannot change them in place, and what the data-loss guard compares on the next run is
exported (`infra.replacements`).
"""

import pulumi

from components.errors import ConfigError
from infra.config import load_stack_config, secret_config_values
from infra.previous import deployed_network_isolation, refuse_impossible_changes
from infra.program import deploy
from infra.replacements import track_replacements
from infra.secret_inputs import keep_config_secrets

try:
    stack_config = load_stack_config()
    refuse_impossible_changes(stack_config, deployed_network_isolation())
except ConfigError as error:
    # A RunError is reported by Pulumi as a message, without a Python traceback.
    raise pulumi.RunError(str(error)) from error

keep_config_secrets(secret_config_values())
replacement_keys = track_replacements(stack_config.allow_replace)
deploy(stack_config, replacement_keys=replacement_keys.output)
