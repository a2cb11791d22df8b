import json

from promptflow.core import tool

CATEGORIES = {"billing", "technical", "account", "feature_request", "other"}


@tool
def convert_to_dict(input_str: str) -> dict:
    """Parses the model's JSON reply; anything unparseable or off-list becomes 'other'."""
    try:
        reply = json.loads(input_str)
    except (TypeError, ValueError):
        return {"category": "other", "evidence": "unparseable reply"}
    category = str(reply.get("category", "other")).strip().lower()
    if category not in CATEGORIES:
        category = "other"
    return {"category": category, "evidence": reply.get("evidence", "")}
