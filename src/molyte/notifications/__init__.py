"""Notifications: e-mail to a job's owner and a signed webhook when a job ends or a worker goes
offline. `messages` builds them (pure); `sender` delivers them in the background."""
