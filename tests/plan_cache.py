"""The sample stacks' plans for the tests, each planned once for every test process and run.

pytest-xdist runs the suite in several processes, and most test modules need the plans of the
sample stacks: `StackPlans` plans each on first use through the product's plan cache
(`infra.plan_cache.PlanCache`, keeping the whole plan), shared by the processes under a lock and
kept between runs while nothing the plan is computed from changed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from infra.plan import Plan, Project, run_plan
from infra.plan_cache import PlanCache


class StackPlans(Mapping[str, Plan]):
    """The plans of `stacks` of `project`, each planned (or read from `cache`) on first use."""

    def __init__(self, project: Project, stacks: Iterable[str], cache: PlanCache | None) -> None:
        self._project = project
        self._stacks = tuple(stacks)
        self._cache = cache
        self._plans: dict[str, Plan] = {}

    def __getitem__(self, stack: str) -> Plan:
        if stack not in self._stacks:
            raise KeyError(stack)
        if stack not in self._plans:
            project = self._project
            self._plans[stack] = (
                self._cache.plan_or_run(
                    project.directory, stack, lambda: run_plan(project, stack), keep_plan=True
                )
                if self._cache is not None
                else run_plan(project, stack)
            )
        return self._plans[stack]

    def __iter__(self) -> Iterator[str]:
        return iter(self._stacks)

    def __len__(self) -> int:
        return len(self._stacks)
