"""The building blocks of every body of the worker protocol: the two model bases and the
bounded strings both sides agree on."""

from __future__ import annotations

from typing import Annotated

from pydantic import ConfigDict, StringConstraints

from molyte.domain.common import StrictModel

# A worker, engine, partition or cluster name as it travels in a body.
ShortName = Annotated[
    str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
]
Hostname = Annotated[str, StringConstraints(max_length=255, pattern=r"^[A-Za-z0-9_.:-]*$")]
LeaseToken = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-fA-F]{64}$")]
FileName = Annotated[str, StringConstraints(min_length=1, max_length=255)]


class Request(StrictModel):
    """A body the worker sends: the server refuses unknown fields (422), so a worker that
    meets an older server leaves out the fields it has not set (`dump`)."""

    def dump(self) -> dict[str, object]:
        """The JSON body as sent: unset optional fields (None) are left out, because an older
        server refuses a field it does not know, even a null one."""
        return self.model_dump(mode="json", exclude_none=True)


class Reply(StrictModel):
    """A body the server sends back: the worker ignores fields it does not know, so a newer
    server may add some without breaking older workers."""

    model_config = ConfigDict(extra="ignore")
