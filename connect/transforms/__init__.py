"""Single message transforms and the predicates that gate them.

``TransformChain.from_config(task_config, registry)`` builds the ``transforms=...`` chain
of a task; the built-in transforms (Kafka Connect's, same option names) and predicates
live in one module each and are registered under the ``smart_connect.transforms`` entry
point group, so custom ones are plugins like any other. See docs/transforms.md.
"""

from connect.transforms.chain import Step, TransformChain

__all__ = ["Step", "TransformChain"]
