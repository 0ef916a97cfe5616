"""Pure domain logic: job states and transitions, failure reasons, job specs."""
