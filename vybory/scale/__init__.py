"""vybory.scale: verification work spread over the local cores or a Dask cluster.

:func:`process_checker` and :func:`dask_checker` give ballot checkers for
``vybory.verify.verify_record(checker=...)``; both stream the ballots in
chunks with a bounded number in flight, so memory stays constant.
"""

from vybory.scale.ballots import bounded_map, dask_checker, local_cores, process_checker

__all__ = ["bounded_map", "dask_checker", "local_cores", "process_checker"]
