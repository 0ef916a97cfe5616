"""Operations: health check and Prometheus metrics."""
