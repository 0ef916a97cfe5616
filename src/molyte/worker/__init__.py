"""The polling worker: runs on a cluster's login node and only calls out."""
