"""Validate a playbook: the JSON Schema on the loaded document, then, on the resolved
model, the console limits and the lint (what is allowed but likely wrong)."""
