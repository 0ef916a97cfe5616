"""Result storage behind the `ObjectStore` protocol, chosen by `MOLYTE_STORAGE_URL`.

Server wiring (the API owns the store; the worker never needs cloud keys):
    app.state.store = store_from_url(settings.storage_url, settings.secret_key, data_dir)
    app.state.url_signer = UrlSigner(settings.secret_key)
    api_v1.include_router(molyte.api.storage.endpoints.router)   # /api/v1/storage/...
Worker endpoints call `molyte.storage.uploads`: `upload_instructions` (POST .../uploads),
`complete_upload` (POST .../uploads/complete), `verify_results` (POST .../results, before
registering) and `result_links` (GET /jobs/{id}/results). The worker's side is its upload
client, `molyte.worker.uploads`: `upload_result` per file, or `upload_direct` with its own keys.
"""
