"""Result files: upload instructions for workers, registration, download URLs, zip."""
