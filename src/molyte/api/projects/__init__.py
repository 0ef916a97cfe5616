"""Projects: shared jobs and studies, and who may read or submit to them."""
