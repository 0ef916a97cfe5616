"""A job's way through the worker, one module per stage:

    prepare  CLAIMED -> PREPARED           inputs and batch script (prepare.py)
    submit   PREPARED -> SUBMITTING -> QUEUED   the scheduler takes the batch job (submit.py)
    follow   QUEUED -> RUNNING -> POSTPROCESSING   one status call per cycle (follow.py)
    rerun    a time limit continued, a science failure repaired (rerun.py)
    collect  the engine reads the finished run (collect.py)
    upload   result files to the object store, then registration (upload.py)
    report   every status call and a job's end on this worker (report.py)

`context.py` holds what the stages share and the table of moves (`TRANSITIONS`); `machine.py`
says which step runs from each stage (`STEPS`). docs/architecture.md draws the machine.
"""
