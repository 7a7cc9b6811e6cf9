"""``automations.batch_execution_action``: the names of the SDKs' ``batch_execution_action`` submodule
(``qwak.automations.batch_execution_action`` / ``frogml.core.automations.batch_execution_action``)."""

from .spec.action import Action
from .spec.batch import BatchExecution, BatchJobDataSpecifications, BatchJobExecutionSpecifications

__all__ = ["Action", "BatchExecution", "BatchJobDataSpecifications", "BatchJobExecutionSpecifications"]
