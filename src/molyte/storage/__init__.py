"""Result storage behind the `ObjectStore` protocol, chosen by `MOLYTE_STORAGE_URL`."""
