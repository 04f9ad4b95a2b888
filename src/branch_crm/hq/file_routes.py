"""Routes of the attachments' files (thin: the work is in hq.files): ``HEAD``, ``PUT`` and
``GET /api/v1/files/{sha256}``, each for a registered PC, each PC seeing its branch's files
only."""

# no ``from __future__ import annotations``: FastAPI reads the routes' annotations, which
# name this function's dependencies (locals), when they are defined

from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Path, Request, Response
from fastapi.responses import FileResponse, JSONResponse

from branch_crm.hq import auth as hq_auth
from branch_crm.hq import files
from branch_crm.hq.answers import error_answers
from branch_crm.hq.db import read_transaction, write_transaction
from branch_crm.hq.settings import HqSettings

OFFSET_HEADER = "Upload-Offset"
Sha = Annotated[str, Path(pattern=files.SHA_PATTERN)]


def add_file_routes(app: FastAPI, settings: HqSettings, deps: dict[str, Any]) -> None:
    """Install the file routes; ``deps`` holds the app's engine, schema and body
    dependencies (hq.app)."""
    store = files.FileStore(settings.resolved_files_dir())
    app.state.files = store
    engine_dep, schema_dep, body_dep = deps["engine"], deps["schema"], deps["body"]

    @app.head("/api/v1/files/{sha256}", responses=error_answers(401, 404, 409, 413, 422, 503))
    def file_state(
        sha256: Sha,
        db: Annotated[Any, Depends(engine_dep)],
        _schema: Annotated[str, Depends(schema_dep)],
        authorization: Annotated[str | None, Header()] = None,
    ) -> Response:
        """200 with the size when this PC's branch has the file; 404 with how many bytes
        of this PC's upload arrived so far (``Upload-Offset``) otherwise."""
        with read_transaction(db) as conn:
            node = hq_auth.authenticate(conn, authorization)
            size = files.branch_has(conn, node.branch, sha256)
        if size is not None:
            return Response(status_code=200, headers={"Content-Length": str(size)})
        offset = store.offset(node.token_id, sha256)
        return Response(status_code=404, headers={OFFSET_HEADER: str(offset)})

    @app.put("/api/v1/files/{sha256}", responses=error_answers(400, 401, 409, 413, 422, 503))
    def upload_chunk(  # noqa: PLR0917 (FastAPI passes parameters by name)
        sha256: Sha,
        chunk: Annotated[bytes, Depends(body_dep)],
        db: Annotated[Any, Depends(engine_dep)],
        _schema: Annotated[str, Depends(schema_dep)],
        request: Request,
        authorization: Annotated[str | None, Header()] = None,
        content_range: Annotated[str | None, Header()] = None,
    ) -> Response:
        """One chunk of a file; the answer says where the upload stands."""
        with write_transaction(db) as conn:
            node = hq_auth.authenticate(conn, authorization)
            request.state.branch = node.branch
            try:
                done = files.receive_chunk(
                    conn, store, branch=node.branch, token_id=node.token_id, sha256=sha256,
                    content_range=content_range, data=chunk, max_bytes=settings.max_file_bytes,
                )  # fmt: skip
            except files.OffsetMismatch as exc:
                return JSONResponse(
                    {"detail": "The chunk does not start where the upload stands.",
                     "offset": exc.offset},
                    status_code=409,
                    headers={OFFSET_HEADER: str(exc.offset)},
                )  # fmt: skip
        return JSONResponse({"offset": done.offset, "complete": done.complete},
                            headers={OFFSET_HEADER: str(done.offset)})  # fmt: skip

    @app.get("/api/v1/files/{sha256}", responses=error_answers(401, 404, 409, 413, 422, 503))
    def download(
        sha256: Sha,
        db: Annotated[Any, Depends(engine_dep)],
        _schema: Annotated[str, Depends(schema_dep)],
        request: Request,
        authorization: Annotated[str | None, Header()] = None,
    ) -> Response:
        """The file, when this PC's branch sent it (a Range header resumes a download)."""
        from branch_crm.hq.errors import NotFoundError
        from branch_crm.i18n import N_

        with read_transaction(db) as conn:
            node = hq_auth.authenticate(conn, authorization)
            size = files.branch_has(conn, node.branch, sha256)
        request.state.branch = node.branch
        path = store.path(sha256)
        if size is None or not path.is_file():
            raise NotFoundError(N_("Head office has no such file for this branch."))
        return FileResponse(path, media_type="application/octet-stream")
