"""Test doubles, shipped with the package so that tests and benchmarks share one copy.

- `engine.ScriptEngine`: runs fixed commands instead of a simulation;
- `scheduler.FakeScheduler`: a scheduler whose jobs change state when a test says so;
  `scheduler.RecordingRunner`: a command runner that answers by program name and records argv;
- `storage.MemoryStore`: an object store in a dict (`MOLYTE_STORAGE_URL=memory://`).

Production code does not import this package; the one exception is the `memory://` entry of
`molyte.storage.registry`, which builds a `MemoryStore` on demand (tests/unit/test_layering.py
keeps it that way). Job specs and worker configs cannot name any of these.
"""
