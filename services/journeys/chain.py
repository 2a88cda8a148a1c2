"""A journey's branches as the step → step probabilities of a Markov chain, and the one rule for a loop with no
way out. Used by the flow model (:mod:`services.journeys.flows`, which refuses such a loop) and by the branch
check (:mod:`services.journeys.graph`, which warns about it), so both find the same loops.

Shares (% of a step's customers) become probabilities: unknown shares split what the known ones leave of 100 %
evenly, shares over 100 % in total are scaled down to 100 %, ways out of an exit and a step's way to itself are
ignored. A step is *trapped* when no customer there can ever leave the chain: no step it leads to drops anyone
off (shares under 100 %) or sends anyone to an exit.

Pure numpy, no database.
"""

from collections import deque
from dataclasses import dataclass

import numpy as np
import pandas as pd

EPSILON = 1e-9  # probabilities below this count as zero (float noise of typed-in decimals)


@dataclass(frozen=True)
class Chain:
    """``matrix[i, j]``: probability that a customer at step i goes on to step j (rows of exits are 0);
    ``total``: the shares leaving each step as given or split (before scaling); ``unknown``: how many of a step's
    shares were unknown and ``rest``: the share each of them got."""

    matrix: np.ndarray
    total: np.ndarray
    unknown: np.ndarray
    rest: np.ndarray


def transition_chain(step_ids: pd.Series | list[int], transitions: pd.DataFrame, is_exit: np.ndarray) -> Chain:
    """The chain of the steps (in the given order) over ``transitions`` (source_step_id, target_step_id, share;
    None/NaN = unknown). Transitions to steps not in ``step_ids`` are ignored."""
    n = len(step_ids)
    matrix = np.zeros((n, n))
    if transitions.empty:
        return Chain(matrix, np.zeros(n), np.zeros(n), np.zeros(n))
    index = pd.Index([int(i) for i in step_ids])
    source = index.get_indexer(transitions["source_step_id"].astype(int))
    target = index.get_indexer(transitions["target_step_id"].astype(int))
    share = pd.to_numeric(transitions["share"], errors="coerce").to_numpy(dtype=float)
    keep = (source >= 0) & (target >= 0) & (source != target) & ~is_exit[np.maximum(source, 0)]
    source, target, share = source[keep], target[keep], share[keep]
    unknown = np.isnan(share)
    known_sum = np.bincount(source, weights=np.nan_to_num(share), minlength=n)
    unknown_count = np.bincount(source, weights=unknown, minlength=n)
    rest = np.divide(np.clip(100.0 - known_sum, 0, None), unknown_count, out=np.zeros(n), where=unknown_count > 0)
    share = np.where(unknown, rest[source], share)
    total = np.bincount(source, weights=share, minlength=n)
    scale = np.where(total > 100.0 + 1e-6, 100.0 / np.maximum(total, EPSILON), 1.0)
    np.add.at(matrix, (source, target), share * scale[source] / 100.0)
    return Chain(matrix, total, unknown_count, rest)


def reach(adjacency: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Nodes reachable from ``start`` (boolean mask) along ``adjacency[i, j] > 0`` (breadth-first)."""
    seen = start.copy()
    queue = deque(np.flatnonzero(start))
    while queue:
        for j in np.flatnonzero(adjacency[queue.popleft()] > EPSILON):
            if not seen[j]:
                seen[j] = True
                queue.append(j)
    return seen


def can_leave(matrix: np.ndarray, is_exit: np.ndarray) -> np.ndarray:
    """The steps from which customers can get out: to a step that drops some off or sends some to an exit."""
    leak = (1.0 - matrix.sum(axis=1) > EPSILON) | (matrix[:, is_exit].sum(axis=1) > EPSILON)
    return reach(matrix.T, ~is_exit & leak)


def trapped(matrix: np.ndarray, is_exit: np.ndarray, entering: np.ndarray) -> np.ndarray:
    """The steps of a loop with no way out that customers entering at ``entering`` (mask) reach: the loop itself,
    not the way into it. Empty when every reached step can be left."""
    stuck = ~is_exit & ~can_leave(matrix, is_exit) & reach(matrix, entering)
    return _on_a_cycle(matrix, stuck)


def _on_a_cycle(matrix: np.ndarray, among: np.ndarray) -> np.ndarray:
    """The steps of ``among`` that customers can leave and come back to."""
    inside = np.where(among[:, None] & among[None, :], matrix, 0.0)
    return np.array([among[i] and reach(inside, inside[i] > EPSILON)[i] for i in range(len(among))], dtype=bool)
